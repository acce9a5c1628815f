import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { t } from '../i18n';
import { ErrorText, message } from './dialog';

interface Location {
  countryCode: string;
  areaCode: string;
  internationalPrefix: string;
  nationalPrefix: string;
  outsideLinePrefix: string;
  pbxBaseNumber: string;
  internalNumberMaxLength: number;
}

interface Reading {
  input: string;
  valid: boolean;
  kind?: 'external' | 'internal';
  canonical?: string;
  display?: string;
  plausible?: boolean;
}

const FIELDS: [keyof Location, string][] = [
  ['countryCode', 'Country code'],
  ['areaCode', 'Area code'],
  ['internationalPrefix', 'International prefix'],
  ['nationalPrefix', 'National prefix'],
  ['outsideLinePrefix', 'Outside line prefix'],
  ['pbxBaseNumber', 'PBX base number'],
  ['internalNumberMaxLength', 'Longest internal number'],
];

/** Location settings, with a live "how would this number be read" tester. */
export function LocationAdmin() {
  const [location, setLocation] = useState<Location | null>(null);
  const [number, setNumber] = useState('');
  const [reading, setReading] = useState<Reading | null>(null);
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');

  useEffect(() => void api<Location>('/settings/location').then(setLocation), []);
  useEffect(() => {
    const value = number.trim();
    if (!value) return setReading(null);
    const timer = setTimeout(() => {
      api<Reading>(`/numbers/${encodeURIComponent(value)}`).then(setReading, () =>
        setReading(null),
      );
    }, 150);
    return () => clearTimeout(timer);
  }, [number, location]);

  const save = async (event: Event) => {
    event.preventDefault();
    if (!location) return;
    setError('');
    setStatus('');
    try {
      setLocation(await api<Location>('/settings/location', { method: 'PUT', body: location }));
      setStatus(t('Changes saved.'));
    } catch (caught) {
      setError(message(caught));
    }
  };

  return (
    <section aria-labelledby="location-title">
      <h2 id="location-title">{t('Location')}</h2>
      {location && (
        <form onSubmit={save}>
          <div class="grid2">
            {FIELDS.map(([key, label]) => (
              <div key={key}>
                <label for={`loc-${key}`}>{t(label)}</label>
                <input
                  id={`loc-${key}`}
                  type={key === 'internalNumberMaxLength' ? 'number' : 'text'}
                  value={String(location[key])}
                  onInput={(e) => {
                    const text = e.currentTarget.value;
                    setLocation({
                      ...location,
                      [key]: key === 'internalNumberMaxLength' ? Number(text) : text,
                    });
                  }}
                />
              </div>
            ))}
          </div>
          <ErrorText error={error} />
          <button type="submit">{t('Save')}</button> <span role="status">{status}</span>
        </form>
      )}
      <fieldset>
        <legend>{t('How would this number be read?')}</legend>
        <label for="number-test">{t('Number to test')}</label>
        <input
          id="number-test"
          type="tel"
          value={number}
          onInput={(e) => setNumber(e.currentTarget.value)}
        />
        <output for="number-test" aria-live="polite" data-testid="number-reading">
          {reading &&
            (reading.valid
              ? `${t(reading.kind ?? '')}: ${reading.canonical ?? ''} (${reading.display ?? ''})`
              : t('not a phone number'))}
        </output>
      </fieldset>
    </section>
  );
}
