import { describe, it, expect } from 'vitest';
import type { LocationSettings, NormalizedNumber } from './phone-number.js';
import {
  DEFAULT_LOCATION,
  createNumberNormalizer,
  internalKey,
  validateLocation,
} from './phone-number.js';

const MUNICH: LocationSettings = {
  ...DEFAULT_LOCATION,
  areaCode: '89',
  pbxBaseNumber: '+49 89 4711',
};
const munich = createNumberNormalizer(MUNICH);
const outside = createNumberNormalizer({ ...MUNICH, outsideLinePrefix: '0', pbxBaseNumber: '' });
const noArea = createNumberNormalizer(DEFAULT_LOCATION);

const ext = (canonical: string, plausible = true): NormalizedNumber => ({
  kind: 'external',
  canonical,
  plausible,
});
const withExt = (canonical: string, base: string, extension: string): NormalizedNumber => ({
  kind: 'external',
  canonical,
  base,
  extension,
  plausible: true,
});
const internal = (extension: string): NormalizedNumber => ({
  kind: 'internal',
  canonical: `ext:${extension}`,
  extension,
});

describe('normalize: site rules (Munich, area 89)', () => {
  it.each<[string, NormalizedNumber]>([
    // rule 1: leading +
    ['+49891234567', ext('+49891234567')],
    ['+49 89 1234567', ext('+49891234567')],
    ['+49 (0)89 1234567', ext('+49891234567')],
    ['+49(0)891234567', ext('+49891234567')],
    ['+49 [0] 89 1234567', ext('+49891234567')],
    // rule 2: international prefix
    ['0049 89 1234567', ext('+49891234567')],
    ['0049 (0) 89 1234567', ext('+49891234567')],
    ['0049-89-1234567', ext('+49891234567')],
    // rule 3: national prefix
    ['089 1234567', ext('+49891234567')],
    ['089/1234567', ext('+49891234567')],
    ['(089) 12 34 56', ext('+4989123456')],
    ['089.123.4567', ext('+49891234567')],
    ['[089] 1234567', ext('+49891234567')],
    ['089\u00a01234567', ext('+49891234567')],
    ['089\t1234567', ext('+49891234567')],
    ['  089 1234567  ', ext('+49891234567')],
    ['0171 1234567', ext('+491711234567')],
    // rule 4: internal extensions
    ['1', internal('1')],
    ['123', internal('123')],
    ['1234', internal('1234')],
    ['12 34', internal('1234')],
    ['x12', internal('12')],
    ['0', internal('0')],
    // rule 5: local numbers get country and area code
    ['1234567', ext('+49891234567')],
    ['12345', ext('+498912345')],
    ['123 45 67', ext('+49891234567')],
    // rule 10: other countries
    ['+43 1 234567', ext('+431234567')],
    ['0043 1 234567', ext('+431234567')],
    ['+1 (212) 555-0100', ext('+12125550100')],
    ['+44 20 7946 0958', ext('+442079460958')],
    ['+44 (0) 20 7946 0958', ext('+442079460958')],
    ['030 1234567', ext('+49301234567')],
    // tel: URIs
    ['tel:+49891234567', ext('+49891234567')],
    ['TEL:+49-89-1234567', ext('+49891234567')],
    ['tel:+49-89-1234567;phone-context=example.com', ext('+49891234567')],
    // implausible but usable
    ['+49 89 12', ext('+498912', false)],
    ['012', ext('+4912', false)],
    ['+999 1234567', ext('+9991234567', false)],
  ])('%j', (raw, expected) => {
    expect(munich.normalize(raw)).toEqual(expected);
  });

  it('keeps Berlin and Munich apart', () => {
    const berlin = munich.normalize('030 1234567');
    const munichNumber = munich.normalize('089 1234567');
    expect(berlin?.canonical).toBe('+49301234567');
    expect(munichNumber?.canonical).toBe('+49891234567');
    expect(berlin?.canonical).not.toBe(munichNumber?.canonical);
  });

  it('gives the same key to every written form of one number', () => {
    const forms = [
      '+49 (0)89 1234567',
      '0049 89 1234567',
      '089/1234567',
      '1234567',
      'tel:+49891234567',
    ];
    const keys = new Set(forms.map((raw) => munich.normalize(raw)?.canonical));
    expect([...keys]).toEqual(['+49891234567']);
  });
});

describe('normalize: extensions (rule 7)', () => {
  it.each<[string, NormalizedNumber]>([
    ['089 1234-56', withExt('+4989123456', '+49891234', '56')],
    ['089/1234-56', withExt('+4989123456', '+49891234', '56')],
    ['+49 89 4711-0', withExt('+498947110', '+49894711', '0')],
    ['089/4711-123', withExt('+49894711123', '+49894711', '123')],
    ['089 4711 \u2013 12345', withExt('+4989471112345', '+49894711', '12345')],
    ['089-4711-12', withExt('+4989471112', '+49894711', '12')],
    ['089 1234567 ext. 12', withExt('+4989123456712', '+49891234567', '12')],
    ['089 1234567 ext 12', withExt('+4989123456712', '+49891234567', '12')],
    ['0891234567x12', withExt('+4989123456712', '+49891234567', '12')],
    ['089 1234567 X 12', withExt('+4989123456712', '+49891234567', '12')],
    ['tel:+49891234567;ext=12', withExt('+4989123456712', '+49891234567', '12')],
    // a dash inside grouping is no extension
    ['0171-1234567', ext('+491711234567')],
    ['089 4711-123456', ext('+49894711123456')],
    ['+1 212 555-0100', ext('+12125550100')],
    ['089-12', ext('+498912', false)],
    ['12-3', internal('123')],
  ])('%j', (raw, expected) => {
    expect(munich.normalize(raw)).toEqual(expected);
  });

  it('is plausible when only the base is valid', () => {
    expect(munich.normalize('+44 20 7946 0958-12')).toEqual(
      withExt('+44207946095812', '+442079460958', '12'),
    );
  });
});

describe('normalize: outside-line prefix (rule 6)', () => {
  it.each<[string, string]>([
    ['00891234567', '+49891234567'],
    ['0049891234567', '+49891234567'],
    ['00049891234567', '+49891234567'],
    ['01234567', '+49891234567'],
    ['0891234567', '+49891234567'],
    ['00043 1 234567', '+431234567'],
    ['+49891234567', '+49891234567'],
    ['0 089 1234-56', '+4989123456'],
  ])('%j -> %s', (raw, canonical) => {
    expect(outside.normalize(raw)?.canonical).toBe(canonical);
  });

  it('never reads a country code starting with 0', () => {
    expect(outside.normalize('000441219321172')?.canonical).toBe('+441219321172');
    expect(noArea.normalize('00044 20 7946 0958')).toBeNull();
    expect(noArea.normalize('+0441219321172')).toBeNull();
  });

  it('gives both readings of an incoming number behind the prefix, stripped first', () => {
    const canonicals = (raw: string) => outside.readIncoming(raw).readings.map((n) => n.canonical);
    // 0 + 0511 (Hannover) is also 00 51 1 (Lima), both valid.
    expect(canonicals('0' + '0511 1234567')).toEqual(['+495111234567', '+5111234567']);
    expect(canonicals('0' + '0151 12345678')).toEqual(['+4915112345678']);
    expect(canonicals('0' + '0043 1 234567')).toEqual(['+431234567']);
    // A local number behind the prefix is not guessed: the national reading stays.
    expect(canonicals('05678901')).toEqual(['+495678901']);
    expect(canonicals('+49891234567')).toEqual(['+49891234567']);
    expect(canonicals('123')).toEqual(['ext:123']);
    expect(canonicals('junk')).toEqual([]);
    expect(noArea.readIncoming('0891234567').readings.map((n) => n.canonical)).toEqual([
      '+49891234567',
    ]);
  });

  it('prefers the unstripped reading when neither is valid', () => {
    expect(outside.normalize('0123')).toEqual(ext('+49123', false));
    expect(outside.normalize('0')).toEqual(internal('0'));
  });
});

describe('normalize: no area code', () => {
  it('treats local numbers like national numbers without prefix', () => {
    expect(noArea.normalize('1234567')).toEqual(ext('+491234567', false));
    expect(noArea.normalize('891234567')).toEqual(ext('+49891234567'));
    expect(noArea.normalize('123')).toEqual(internal('123'));
  });

  it('works for another country (US)', () => {
    const us = createNumberNormalizer({
      ...DEFAULT_LOCATION,
      countryCode: '1',
      areaCode: '212',
      internationalPrefix: '011',
      nationalPrefix: '1',
    });
    expect(us.normalize('555-0100')?.canonical).toBe('+12125550100');
    expect(us.normalize('1 212 555 0100')?.canonical).toBe('+12125550100');
    expect(us.normalize('011 49 89 1234567')?.canonical).toBe('+49891234567');
  });
});

describe('normalize: junk (rule 11)', () => {
  it.each([
    '',
    '   ',
    'abc',
    'n/a',
    '---',
    '+',
    'call me',
    '089 1234567 call me',
    '089+1234567',
    '++49 89 1234567',
    '089;1234567',
    'sip:1234@example.com',
    '123456789012345678',
    '+49 89 1234 5678 9012 3456',
    '1'.repeat(300),
  ])('%j -> null', (raw) => {
    expect(munich.normalize(raw)).toBeNull();
  });

  it('never throws, whatever it is given', () => {
    const odd = [
      undefined,
      null,
      42,
      {},
      '\u0000',
      '(((',
      '+(0)',
      'tel:',
      'tel:;ext=',
      '0049',
      '00',
    ];
    for (const raw of odd) {
      expect(() => munich.normalize(raw as unknown as string)).not.toThrow();
      expect(() => outside.searchDigits(raw as unknown as string)).not.toThrow();
    }
  });

  it('accepts 17 digits but not 18', () => {
    expect(munich.normalize('00491234567890123')).not.toBeNull();
    expect(munich.normalize('004912345678901234')).toBeNull();
  });
});

describe('pbxExtension (rule 9)', () => {
  it.each<[string, string | undefined]>([
    ['+4989471123', '23'],
    ['+498947110', '0'],
    ['+498947111234', '1234'],
    ['+4989471112345', undefined],
    ['+49894711', undefined],
    ['+49891234567', undefined],
    ['ext:23', undefined],
  ])('%s -> %s', (canonical, expected) => {
    expect(munich.pbxExtension(canonical)).toBe(expected);
  });

  it('normalises the base number from any written form', () => {
    for (const written of ['089 4711', '0049 (0)89 4711', '+49 89 4711-0']) {
      const n = createNumberNormalizer({ ...MUNICH, pbxBaseNumber: written });
      expect(n.pbxExtension('+4989471123')).toBe('23');
    }
  });

  it('is undefined without a usable base number', () => {
    expect(noArea.pbxExtension('+4989471123')).toBeUndefined();
    const junk = createNumberNormalizer({ ...MUNICH, pbxBaseNumber: 'n/a' });
    expect(junk.pbxExtension('+4989471123')).toBeUndefined();
  });
});

describe('searchDigits', () => {
  // One spelling a number (in the own country its national form); the ways it is typed
  // are read by queryDigits.
  it.each<[string, string[]]>([
    ['089 1234567', ['0891234567']],
    ['+49 89 1234567', ['0891234567']],
    ['+49 (0)89 1234567', ['0891234567']],
    ['030 1234567', ['0301234567']],
    ['1234567', ['0891234567']],
    ['+43 1 234567', ['431234567', '1234567']],
    ['0043 1 234567', ['431234567', '1234567']],
    ['+34 600 123 456', ['34600123456', '600123456']],
    ['123', ['123']],
    ['abc', []],
  ])('%j', (raw, expected) => {
    expect(munich.searchDigits(raw)).toEqual(expected);
  });

  it('gives a stored number the same digits without libphonenumber', () => {
    for (const raw of ['089 1234567', '+43 1 234567', '+34 600 123 456', '123']) {
      const canonical = munich.normalize(raw)?.canonical ?? '';
      expect(munich.storedDigits(canonical), raw).toEqual(munich.searchDigits(raw));
    }
  });
});

describe('queryDigits', () => {
  it.each<[string, string[]]>([
    // national: as it is
    ['0891234', ['0891234']],
    ['030', ['030']],
    ['0', ['0']],
    // international: the own country's as national, another's as E.164 digits
    ['0049891112233', ['0049891112233', '0891112233']],
    ['00431', ['00431', '431']],
    ['00', ['00']],
    // anything else: as it is (an extension, E.164 digits), as a local number, and as
    // national when it starts with the own country code
    ['1234567', ['1234567', '0891234567']],
    ['4989123', ['4989123', '0894989123', '089123']],
  ])('%j', (word, expected) => {
    expect(munich.queryDigits(word)).toEqual(expected);
  });

  it('reads every typed form of a number as the start of its index digits', () => {
    const [indexed = ''] = munich.searchDigits('+49 89 1234567');
    for (const typed of ['0891234567', '089123', '1234567', '123', '49891234567', '004989']) {
      expect(
        munich.queryDigits(typed).some((spelling) => indexed.startsWith(spelling)),
        typed,
      ).toBe(true);
    }
    expect(munich.queryDigits('0301234').some((s) => indexed.startsWith(s))).toBe(false);
  });

  it('has no local form without an area code, and no national prefix to replace', () => {
    expect(noArea.queryDigits('1234567')).toEqual(['1234567']);
    const spain = createNumberNormalizer({
      ...DEFAULT_LOCATION,
      countryCode: '34',
      nationalPrefix: '',
    });
    expect(spain.queryDigits('600123')).toEqual(['600123']);
    expect(spain.searchDigits('600 123 456')).toEqual(['600123456']);
  });
});

describe('format', () => {
  it.each<[string, string]>([
    ['089 1234567', '+49 89 1234567'],
    ['+1 (212) 555-0100', '+1 212 555 0100'],
    ['089/4711-123', '+49 89 4711-123'],
    ['+49 89 12', '+498912'],
    ['123', '123'],
  ])('%j -> %j', (raw, expected) => {
    const n = munich.normalize(raw);
    expect(n).not.toBeNull();
    expect(munich.format(n as NormalizedNumber)).toBe(expected);
  });
});

describe('validateLocation', () => {
  it('accepts the defaults and a full site', () => {
    expect(validateLocation(DEFAULT_LOCATION)).toEqual([]);
    expect(validateLocation({ ...MUNICH, outsideLinePrefix: '0' })).toEqual([]);
  });

  it.each<[Partial<LocationSettings>, string]>([
    [{ countryCode: '' }, 'countryCode: required'],
    [{ countryCode: '+49' }, 'countryCode: digits only'],
    [{ countryCode: '999' }, 'countryCode: unknown country calling code'],
    [{ areaCode: '89a' }, 'areaCode: digits only'],
    [{ areaCode: '089' }, 'areaCode: without national prefix'],
    [{ internationalPrefix: '' }, 'internationalPrefix: required'],
    [{ internationalPrefix: '+' }, 'internationalPrefix: digits only'],
    [{ internationalPrefix: '0' }, 'internationalPrefix: must differ from nationalPrefix'],
    [{ nationalPrefix: 'O' }, 'nationalPrefix: digits only'],
    [{ outsideLinePrefix: '0 ' }, 'outsideLinePrefix: digits only'],
    [{ internalNumberMaxLength: 0 }, 'internalNumberMaxLength: integer from 1 to 8'],
    [{ internalNumberMaxLength: 9 }, 'internalNumberMaxLength: integer from 1 to 8'],
    [{ internalNumberMaxLength: 2.5 }, 'internalNumberMaxLength: integer from 1 to 8'],
    [{ pbxBaseNumber: 'n/a' }, 'pbxBaseNumber: not an external phone number'],
    [{ pbxBaseNumber: '12' }, 'pbxBaseNumber: not an external phone number'],
  ])('%j', (change, problem) => {
    expect(validateLocation({ ...MUNICH, ...change })).toEqual([problem]);
  });

  it('reports several problems at once', () => {
    const problems = validateLocation({ ...MUNICH, areaCode: 'x', internalNumberMaxLength: 10 });
    expect(problems).toHaveLength(2);
  });
});

describe('createNumberNormalizer', () => {
  it('rejects invalid code fields', () => {
    expect(() => createNumberNormalizer({ ...MUNICH, countryCode: '' })).toThrow(RangeError);
    expect(() => createNumberNormalizer({ ...MUNICH, areaCode: '8 9' })).toThrow(/areaCode/);
  });

  it('exposes a frozen copy of the location', () => {
    expect(munich.location).toEqual(MUNICH);
    expect(Object.isFrozen(munich.location)).toBe(true);
  });

  it('honours internalNumberMaxLength', () => {
    const short = createNumberNormalizer({ ...MUNICH, internalNumberMaxLength: 2 });
    expect(short.normalize('12')).toEqual(internal('12'));
    expect(short.normalize('123')).toEqual(ext('+4989123'));
  });
});

describe('constants and helpers', () => {
  it('has German defaults', () => {
    expect(DEFAULT_LOCATION).toEqual({
      countryCode: '49',
      areaCode: '',
      internationalPrefix: '00',
      nationalPrefix: '0',
      outsideLinePrefix: '',
      pbxBaseNumber: '',
      internalNumberMaxLength: 4,
    });
  });

  it('builds internal keys', () => {
    expect(internalKey('123')).toBe('ext:123');
  });
});
