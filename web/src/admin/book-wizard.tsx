import { useState } from 'preact/hooks';
import type { NotesMode } from '../api';
import { api } from '../api';
import { t } from '../i18n';
import { Dialog, ErrorText, message } from './dialog';
import type { Mapping } from './mapping-editor';
import { MappingEditor } from './mapping-editor';
import type { Source } from './source-fields';
import { SourceFields, cleanSource } from './source-fields';
import { CacheFields, DEFAULT_CACHE, NotesFields } from './book-properties';
import type { Cache } from './book-properties';

export const KINDS = ['builtin', 'csv', 'odbc', 'odbc-query', 'oledb', 'ldap', 'access'] as const;

interface Preview {
  columns: string[];
  mapping: Mapping;
  records: Record<string, string>[];
  skipped: { at: string; reason: string }[];
}

const PREVIEW_COLUMNS = ['id', 'displayName', 'company', 'businessPhone', 'mobilePhone', 'email'];

/**
 * New… : name and kind, connection settings with *Test connection*, the preview of the
 * first records with the proposed mapping (changeable), then the properties; Create.
 */
export function BookWizard({ onClose, onCreated }: { onClose: () => void; onCreated: () => void }) {
  const [step, setStep] = useState(1);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<string>('csv');
  const [source, setSource] = useState<Source>({});
  const [preview, setPreview] = useState<Preview | null>(null);
  const [mapping, setMapping] = useState<Mapping>({});
  const [readOnly, setReadOnly] = useState(false);
  const [notes, setNotes] = useState<NotesMode>('builtin');
  const [cache, setCache] = useState<Cache>(DEFAULT_CACHE);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const external = kind !== 'builtin';
  const steps = external ? 4 : 2;

  const test = async (withMapping?: Mapping) => {
    setBusy(true);
    setError('');
    try {
      const answer = await api<Preview>('/phonebooks/preview', {
        method: 'POST',
        body: {
          kind,
          source: cleanSource(source),
          ...(withMapping ? { mapping: withMapping } : {}),
          limit: 10,
        },
      });
      setPreview(answer);
      setMapping(answer.mapping);
      return true;
    } catch (caught) {
      setPreview(null);
      setError(message(caught));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const create = async () => {
    setBusy(true);
    setError('');
    try {
      await api('/phonebooks', {
        method: 'POST',
        body: {
          name,
          kind,
          readOnly,
          notes,
          ...(external ? { source: cleanSource(source), mapping, cache } : {}),
        },
      });
      onCreated();
    } catch (caught) {
      setError(message(caught));
    } finally {
      setBusy(false);
    }
  };
  const next = async () => {
    setError('');
    if (step === 1 && !name.trim()) return setError(t('Name') + '?');
    if (step === 2 && external && !preview && !(await test())) return;
    setStep(step + 1);
  };
  const isLast = step === steps;

  return (
    <Dialog title={t('New phone book')} onClose={onClose}>
      <p class="hint">{t('Step {n} of {total}', { n: step, total: steps })}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void (isLast ? create() : next());
        }}
      >
        {step === 1 && (
          <div class="grid2">
            <div>
              <label for="book-name">{t('Name')}</label>
              <input
                id="book-name"
                required
                autofocus
                value={name}
                onInput={(e) => setName(e.currentTarget.value)}
              />
            </div>
            <div>
              <label for="book-kind">{t('Kind')}</label>
              <select
                id="book-kind"
                value={kind}
                onChange={(e) => {
                  setKind(e.currentTarget.value);
                  setSource({});
                  setPreview(null);
                  setReadOnly(false);
                }}
              >
                {KINDS.map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
              </select>
            </div>
          </div>
        )}
        {step === 2 && external && (
          <fieldset>
            <legend>{t('Connection settings')}</legend>
            <SourceFields
              kind={kind}
              source={source}
              onChange={(s) => {
                setSource(s);
                setPreview(null);
              }}
            />
            <button type="button" disabled={busy} onClick={() => void test()}>
              {t('Test connection')}
            </button>
            {preview && (
              <p role="status">
                {t('Connection works: {columns} columns, {records} records previewed.', {
                  columns: preview.columns.length,
                  records: preview.records.length,
                })}
              </p>
            )}
          </fieldset>
        )}
        {step === 3 && preview && (
          <fieldset>
            <legend>{t('Preview and mapping')}</legend>
            <PreviewTable preview={preview} />
            <MappingEditor columns={preview.columns} mapping={mapping} onChange={setMapping} />
            <button type="button" disabled={busy} onClick={() => void test(mapping)}>
              {t('Test connection')}
            </button>
          </fieldset>
        )}
        {isLast && (
          <fieldset>
            <legend>{t('Properties')}</legend>
            <label>
              <input
                type="checkbox"
                checked={readOnly}
                onChange={(e) => setReadOnly(e.currentTarget.checked)}
              />{' '}
              {t('Write protection')}
            </label>
            <NotesFields notes={notes} onChange={setNotes} columns={preview?.columns ?? []} />
            {external && <CacheFields cache={cache} onChange={setCache} />}
          </fieldset>
        )}
        <ErrorText error={error} />
        <div class="row">
          {step > 1 && (
            <button type="button" onClick={() => setStep(step - 1)}>
              {t('Back')}
            </button>
          )}
          <button type="submit" disabled={busy}>
            {isLast ? t('Create') : t('Next')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function PreviewTable({ preview }: { preview: Preview }) {
  return (
    <>
      <div class="table-wrap">
        <table data-testid="preview">
          <thead>
            <tr>
              {PREVIEW_COLUMNS.map((c) => (
                <th key={c} scope="col">
                  {c === 'id' ? 'id' : t(c)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preview.records.map((record) => (
              <tr key={record.id}>
                {PREVIEW_COLUMNS.map((c) => (
                  <td key={c}>{record[c] ?? ''}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {preview.skipped.length > 0 && <Skipped rows={preview.skipped} />}
    </>
  );
}

export function Skipped({ rows }: { rows: { at: string; reason: string }[] }) {
  return (
    <details open>
      <summary>
        {t('Skipped lines')} ({rows.length})
      </summary>
      <ul>
        {rows.map((row, i) => (
          <li key={i}>
            {row.at}: {row.reason}
          </li>
        ))}
      </ul>
    </details>
  );
}
