import type { ClientOptions } from 'ldapts';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LdifEntry, Slapd } from '../../test-support/slapd.js';
import {
  PEOPLE_DN,
  person,
  ROOT_DN,
  ROOT_PASSWORD,
  startSlapd,
  SUFFIX,
} from '../../test-support/slapd.js';
import { CONTRACT_ROWS, describeSourceContract } from '../../test-support/source-contract.js';
import type { SkippedRow, SourceConnector, SourceRow } from '../source-connector.js';
import { LdapSourceConfig } from './ldap-config.js';
import type { LdapClient } from './connect-ldap.js';
import { LdapSource } from './ldap-source.js';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function source(
  config: Record<string, unknown>,
  createClient?: (options: ClientOptions) => LdapClient,
): LdapSource {
  return new LdapSource({
    config: LdapSourceConfig.parse(config),
    ...(createClient ? { createClient } : {}),
  });
}

// ---------------------------------------------------------------------------------------
// The behaviour suite. Its rows name columns id/first/last/phone/company and it adds a
// record with the id '99', which no entryUUID can be: so it runs with uid as the id
// attribute, and sees the entries through the attribute → column names below (what a
// book's field mapping does). entryUUID ids are checked against slapd further down.
// ---------------------------------------------------------------------------------------

const CONTRACT_ATTRIBUTES: Readonly<Record<string, string>> = {
  id: 'uid',
  first: 'givenName',
  last: 'sn',
  phone: 'telephoneNumber',
  company: 'o',
};
const CONTRACT_COLUMNS = new Map(Object.entries(CONTRACT_ATTRIBUTES).map(([c, a]) => [a, c]));

function asColumns(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [CONTRACT_COLUMNS.get(k) ?? k, v]),
  );
}

function asAttributes(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [CONTRACT_ATTRIBUTES[k] ?? k, v]),
  );
}

/** The LDAP source seen through the contract's column names. */
function contractView(ldap: LdapSource): SourceConnector {
  const row = (r: SourceRow): SourceRow => ({ ...r, values: asColumns(r.values) });
  return {
    capabilities: ldap.capabilities,
    open: () => ldap.open(),
    close: () => ldap.close(),
    columns: async () => (await ldap.columns()).map((c) => CONTRACT_COLUMNS.get(c) ?? c),
    async *readAll(skip) {
      for await (const r of ldap.readAll(skip)) yield row(r);
    },
    readIds: () => ldap.readIds(),
    readOne: async (id) => {
      const found = await ldap.readOne(id);
      return found && row(found);
    },
  };
}

let contractSlapd: Promise<Slapd> | undefined;
let contractBooks = 0;
afterAll(async () => (await contractSlapd)?.stop());

describeSourceContract('ldap', async () => {
  const slapd = await (contractSlapd ??= startSlapd());
  const baseDn = `ou=book${++contractBooks},${PEOPLE_DN}`;
  const dnOf = (id: string): string => `uid=${id},${baseDn}`;
  const add = async (values: Record<string, string>): Promise<void> => {
    const attributes = asAttributes(values);
    await slapd.add({
      dn: dnOf(values.id ?? ''),
      attributes: {
        objectClass: ['top', 'inetOrgPerson'],
        cn: `${values.first ?? ''} ${values.last ?? ''}`.trim(),
        ...attributes,
      },
    });
  };
  await slapd.add({
    dn: baseDn,
    attributes: { objectClass: 'organizationalUnit', ou: `book${contractBooks}` },
  });
  const seeded = CONTRACT_ROWS.map((row, i) => ({
    ...row,
    mobile: `+49 171 000000${i}`,
    mail: `person${i}@example.org`,
  }));
  for (const row of seeded) await add(row);
  const secret = 'Geheim-Paßwort-42';
  return {
    connector: contractView(
      source({
        url: slapd.url,
        baseDn,
        bindDn: ROOT_DN,
        bindPassword: ROOT_PASSWORD,
        idAttribute: 'uid',
      }),
    ),
    idColumn: 'id',
    seeded,
    external: {
      add,
      update: async (id, values) => slapd.modify(dnOf(id), asAttributes(values)),
      remove: async (id) => slapd.remove(dnOf(id)),
    },
    unreachable: () =>
      contractView(
        source({
          url: 'ldap://127.0.0.1:1',
          baseDn,
          bindDn: ROOT_DN,
          bindPassword: secret,
          timeoutMs: 2000,
        }),
      ),
    secret,
    cleanup: async () => undefined,
  };
});

// ---------------------------------------------------------------------------------------
// Reading a directory of 1,200 people past slapd's size limit of 500.
// ---------------------------------------------------------------------------------------

const PEOPLE = 1200;
const uidOf = (n: number): string => `p${String(n).padStart(4, '0')}`;

function* people(): Generator<LdifEntry> {
  for (let n = 1; n <= PEOPLE; n++) {
    yield person(uidOf(n), {
      cn: `Person ${n} Müller`,
      givenName: `Person ${n}`,
      sn: 'Müller',
      telephoneNumber: `+49 89 ${1000000 + n}`,
      mobile: `+49 171 ${2000000 + n}`,
      o: n % 2 ? 'Groß & Söhne' : 'Café "Zum Hirschen"',
      mail: `${uidOf(n)}@example.org`,
    });
  }
}

const SPECIAL_DN = `ou=special,${SUFFIX}`;

function special(uid: string, attributes: LdifEntry['attributes']): LdifEntry {
  return {
    dn: `uid=${uid.replace(/[\\,=+<>#;"]/g, (c) => `\\${c}`)},${SPECIAL_DN}`,
    attributes: { objectClass: ['top', 'inetOrgPerson'], uid, cn: uid, sn: uid, ...attributes },
  };
}

describe('ldap source against slapd', () => {
  let slapd: Slapd;
  const read = async (
    extra: Record<string, unknown> = {},
  ): Promise<{ rows: SourceRow[]; skipped: SkippedRow[] }> => {
    const ldap = source({ url: slapd.url, baseDn: PEOPLE_DN, ...extra });
    const skipped: SkippedRow[] = [];
    try {
      await ldap.open();
      return { rows: await collect(ldap.readAll((s) => skipped.push(s))), skipped };
    } finally {
      await ldap.close();
    }
  };

  beforeAll(async () => {
    slapd = await startSlapd({
      entries: [
        ...people(),
        { dn: SPECIAL_DN, attributes: { objectClass: 'organizationalUnit', ou: 'special' } },
        special('*)(uid=*', { employeeNumber: 'E1', telephoneNumber: '+49 30 1' }),
        special('multi', {
          employeeNumber: 'E2',
          telephoneNumber: ['+49 30 2', '+49 30 3', '+49 30 4'],
          userPassword: '{SSHA}c2VjcmV0LWhhc2g=',
          jpegPhoto: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46]),
          audio: Buffer.from('c3bc', 'hex'),
        }),
        special('no-number', {}),
        special('same-number', { employeeNumber: 'E2' }),
      ],
    });
  });
  afterAll(async () => slapd?.stop());

  it('pages through 1,200 entries past the size limit of 500, streaming page by page', async () => {
    // Without paging, slapd stops an anonymous search at 500 entries.
    const plain = new Client({ url: slapd.url });
    await expect(
      plain.search(PEOPLE_DN, { filter: '(objectClass=inetOrgPerson)' }),
    ).rejects.toMatchObject({ code: 4 });
    await plain.unbind();

    let pagesFetched = 0;
    const pagesAtFirstRow: number[] = [];
    const counting = (options: ClientOptions): LdapClient => {
      const client = new Client(options);
      const searchPaginated: LdapClient['searchPaginated'] = async function* (...args) {
        for await (const page of client.searchPaginated(...args)) {
          pagesFetched++;
          yield page;
        }
      };
      return Object.assign(Object.create(client) as Client, { searchPaginated });
    };
    const ldap = source({ url: slapd.url, baseDn: PEOPLE_DN }, counting);
    await ldap.open();
    const rows: SourceRow[] = [];
    for await (const row of ldap.readAll(() => undefined)) {
      if (rows.length === 0) pagesAtFirstRow.push(pagesFetched);
      rows.push(row);
    }
    await ldap.close();
    expect(rows).toHaveLength(PEOPLE);
    expect(new Set(rows.map((r) => r.id)).size).toBe(PEOPLE);
    expect(pagesAtFirstRow).toEqual([1]);
    expect(pagesFetched).toBe(Math.ceil(PEOPLE / 500));
  });

  it('reports the entryUUIDs slapd assigned as ids, with values as strings', async () => {
    const { rows, skipped } = await read();
    expect(skipped).toEqual([]);
    const byUid = new Map(rows.map((r) => [r.values.uid, r]));
    for (const n of [1, 600, PEOPLE]) {
      const dn = `uid=${uidOf(n)},${PEOPLE_DN}`;
      const row = byUid.get(uidOf(n));
      expect(row?.id).toBe(await slapd.read(dn, 'entryUUID'));
      expect(row?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(row?.at).toBe(dn);
      expect(row?.values).toMatchObject({
        dn,
        entryUUID: row?.id,
        cn: `Person ${n} Müller`,
        sn: 'Müller',
        telephoneNumber: `+49 89 ${1000000 + n}`,
        o: n % 2 ? 'Groß & Söhne' : 'Café "Zum Hirschen"',
      });
      expect(row?.values.modifyTimestamp).toMatch(/^\d{14}Z$/);
      expect(row?.values).not.toHaveProperty('objectClass');
    }
  });

  it('reads anonymously and bound, lists ids, and reads one entry live by entryUUID', async () => {
    const anonymous = await read();
    const bound = await read({ bindDn: ROOT_DN, bindPassword: ROOT_PASSWORD });
    expect(bound.rows.map((r) => r.id).sort()).toEqual(anonymous.rows.map((r) => r.id).sort());

    const ldap = source({ url: slapd.url, baseDn: PEOPLE_DN });
    await ldap.open();
    const ids = await collect(ldap.readIds());
    expect(ids.sort()).toEqual(anonymous.rows.map((r) => r.id).sort());
    const target = anonymous.rows[42];
    expect(await ldap.readOne(target?.id ?? '')).toEqual(target);
    expect(await ldap.readOne(target?.id?.toUpperCase() ?? '')).toEqual(target);
    expect(await ldap.readOne('no-such-id')).toBeUndefined();
    expect(await ldap.readOne('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    expect(await ldap.columns()).toEqual(
      expect.arrayContaining([
        'dn',
        'entryUUID',
        'uid',
        'cn',
        'sn',
        'givenName',
        'telephoneNumber',
        'mobile',
        'o',
        'mail',
        'modifyTimestamp',
      ]),
    );
    await ldap.close();
  });

  it('reads only what changed since a time, at one-second resolution', async () => {
    const ldap = source({ url: slapd.url, baseDn: PEOPLE_DN });
    await ldap.open();
    expect(await collect(ldap.readChanged(new Date(0), () => undefined))).toHaveLength(PEOPLE);
    // modifyTimestamp has whole seconds: step past the second the entries were loaded in.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const since = new Date();
    const dn = `uid=${uidOf(7)},${PEOPLE_DN}`;
    await slapd.modify(dn, { telephoneNumber: '+49 89 7777777' });
    const changed = await collect(ldap.readChanged(since, () => undefined));
    expect(changed.map((r) => [r.at, r.values.telephoneNumber])).toEqual([[dn, '+49 89 7777777']]);
    await ldap.close();
  });

  it('escapes ids: readOne(`*)(uid=*`) matches that literal uid, never everyone', async () => {
    const people = source({ url: slapd.url, baseDn: PEOPLE_DN, idAttribute: 'uid' });
    await people.open();
    expect(await people.readOne('*)(uid=*')).toBeUndefined();
    expect(await people.readOne('*')).toBeUndefined();
    expect(await people.readOne('p00*')).toBeUndefined();
    expect((await people.readOne(uidOf(5)))?.id).toBe(uidOf(5));
    await people.close();

    const specials = source({ url: slapd.url, baseDn: SPECIAL_DN, idAttribute: 'uid' });
    await specials.open();
    const found = await specials.readOne('*)(uid=*');
    expect(found?.id).toBe('*)(uid=*');
    expect(found?.values.uid).toBe('*)(uid=*');
    await specials.close();
  });

  it('keeps every value of a multi-valued attribute, drops passwords and binary values', async () => {
    const ldap = source({ url: slapd.url, baseDn: SPECIAL_DN, idAttribute: 'uid' });
    await ldap.open();
    const row = await ldap.readOne('multi');
    await ldap.close();
    expect(row?.values).toMatchObject({
      telephoneNumber: '+49 30 2',
      'telephoneNumber#2': '+49 30 3',
      'telephoneNumber#3': '+49 30 4',
    });
    // audio holds bytes that happen to be UTF-8 ("ü"): dropped by name, not by luck.
    expect(Object.keys(row?.values ?? {}).filter((k) => /password|photo|audio/i.test(k))).toEqual(
      [],
    );
  });

  it('reports entries without the id attribute, and repeated ids, and leaves them out', async () => {
    const ldap = source({ url: slapd.url, baseDn: SPECIAL_DN, idAttribute: 'employeeNumber' });
    await ldap.open();
    const skipped: SkippedRow[] = [];
    const rows = await collect(ldap.readAll((s) => skipped.push(s)));
    await ldap.close();
    expect(rows.map((r) => r.id).sort()).toEqual(['E1', 'E2']);
    expect(skipped.map((s) => s.reason).sort()).toEqual([
      expect.stringMatching(/^duplicate employeeNumber E2 \(first at uid=/),
      'no employeeNumber attribute',
    ]);
    expect(skipped.find((s) => s.reason.startsWith('no '))?.at).toBe(`uid=no-number,${SPECIAL_DN}`);
  });

  it('narrows to one level with scope one, and to the filter', async () => {
    const { rows } = await read({ baseDn: SUFFIX, scope: 'one', filter: '(objectClass=*)' });
    expect(rows.map((r) => r.values.ou).sort()).toEqual(['people', 'special']);
    const { rows: odd } = await read({ filter: '(&(objectClass=inetOrgPerson)(o=Gro\\c3\\9f*))' });
    expect(odd).toHaveLength(PEOPLE / 2);
  });
});
