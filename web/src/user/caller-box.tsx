import { useState } from 'preact/hooks';
import type { Opened } from '../app';
import type { LookupResult } from '../api';
import { ApiError, api } from '../api';
import { t } from '../i18n';
import { CallerMatches } from './incoming-call';
import { NoteEditor } from './note-editor';

/** "Who is calling?": type or paste a number, see the matches (`GET /api/v1/lookup`). */
export function CallerBox({ onOpen }: { onOpen: (target: Opened) => void }) {
  const [number, setNumber] = useState('');
  const [result, setResult] = useState<LookupResult | null>(null);
  const [error, setError] = useState('');

  const submit = async (event: Event) => {
    event.preventDefault();
    const value = number.trim();
    if (!value) return;
    setError('');
    try {
      setResult(await api<LookupResult>(`/lookup?number=${encodeURIComponent(value)}`));
    } catch (caught) {
      setResult(null);
      setError(
        caught instanceof ApiError && caught.code === 'INVALID_NUMBER'
          ? t('not a phone number')
          : (caught as Error).message,
      );
    }
  };

  return (
    <form class="caller" onSubmit={submit}>
      <label for="caller-number">{t('Who is calling?')}</label>
      <div class="row">
        <input
          id="caller-number"
          type="tel"
          inputMode="tel"
          autocomplete="off"
          placeholder={t('Number to look up')}
          value={number}
          onInput={(e) => setNumber(e.currentTarget.value)}
        />
        <button type="submit">{t('Look up')}</button>
      </div>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {result && (
        <div aria-live="polite">
          <CallerMatches result={result} onOpen={onOpen} />
          {result.normalized && (
            <NoteEditor
              key={result.normalized}
              path={`/numbers/${encodeURIComponent(result.normalized)}/note`}
              label={t('Note on {number}', { number: result.input })}
              compact
            />
          )}
        </div>
      )}
    </form>
  );
}
