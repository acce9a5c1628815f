import { useEffect, useState } from 'preact/hooks';
import type { NotesMode, Phonebook } from '../api';
import { api, enc } from '../api';
import { t } from '../i18n';
import type { Cache } from './book-properties';
import { CacheFields, DEFAULT_CACHE, NotesFields } from './book-properties';
import { Dialog, ErrorText, message } from './dialog';
import type { Mapping } from './mapping-editor';
import { MappingEditor } from './mapping-editor';
import type { Source } from './source-fields';
import { cleanSource, idKey } from './source-fields';

interface Settings {
  kind: string;
  readOnly: boolean;
  notes: NotesMode;
  source: Source | null;
  mapping: Mapping | null;
  cache: Cache | null;
}

/** What the API answers in place of a secret; sending it back would store it. */
const SECRET_MASK = '********';

/** Settings… : a Cache tab and a Properties tab (write protection, notes, ID column, mapping). */
export function BookSettings({
  book,
  onClose,
  onSaved,
}: {
  book: Phonebook;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [tab, setTab] = useState<'cache' | 'properties'>(
    book.kind === 'builtin' ? 'properties' : 'cache',
  );
  const [settings, setSettings] = useState<Settings | null>(null);
  const [cache, setCache] = useState<Cache>(DEFAULT_CACHE);
  const [readOnly, setReadOnly] = useState(book.readOnly);
  const [notes, setNotes] = useState<NotesMode>(book.notes);
  const [idColumn, setIdColumn] = useState('');
  const [mapping, setMapping] = useState<Mapping>({});
  const [columns, setColumns] = useState<string[]>([]);
  const [error, setError] = useState('');
  const external = book.kind !== 'builtin' && book.kind !== 'local-numbers';

  useEffect(() => {
    void api<Settings>(`/phonebooks/${enc(book.name)}/settings`).then(
      (s) => {
        setSettings(s);
        setCache(s.cache ?? DEFAULT_CACHE);
        setMapping(s.mapping ?? {});
        setIdColumn(String(s.source?.[idKey(s.kind)] ?? ''));
        setColumns(Object.values(s.mapping ?? {}).flatMap((v) => v.split(' + ')));
        // The source's full column list, when its settings hold no masked secret.
        if (s.source && !JSON.stringify(s.source).includes(SECRET_MASK)) {
          void api<{ columns: string[] }>('/phonebooks/preview', {
            method: 'POST',
            body: { kind: s.kind, source: s.source, limit: 1 },
          }).then(
            (p) => setColumns(p.columns),
            () => undefined,
          );
        }
      },
      (caught: unknown) => setError(message(caught)),
    );
  }, [book.name]);

  const save = async (event: Event) => {
    event.preventDefault();
    if (!settings) return;
    setError('');
    const body: Record<string, unknown> = { readOnly, notes };
    if (external) {
      body.cache = cache;
      if (JSON.stringify(mapping) !== JSON.stringify(settings.mapping ?? {}))
        body.mapping = mapping;
      const oldId = String(settings.source?.[idKey(settings.kind)] ?? '');
      if (idColumn !== oldId && settings.source) {
        const source = cleanSource({ ...settings.source, [idKey(settings.kind)]: idColumn });
        if (JSON.stringify(source).includes(SECRET_MASK)) {
          setError(t('Retype the password in a new book to change the ID column of this source.'));
          return;
        }
        body.source = source;
      }
    }
    try {
      await api(`/phonebooks/${enc(book.name)}`, { method: 'PATCH', body });
      onSaved();
    } catch (caught) {
      setError(message(caught));
    }
  };

  return (
    <Dialog title={`${t('Settings…')} ${book.name}`} onClose={onClose}>
      <div role="tablist" class="row">
        {external && (
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'cache'}
            aria-pressed={tab === 'cache'}
            onClick={() => setTab('cache')}
          >
            {t('Cache')}
          </button>
        )}
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'properties'}
          aria-pressed={tab === 'properties'}
          onClick={() => setTab('properties')}
        >
          {t('Properties')}
        </button>
      </div>
      <form onSubmit={save}>
        {tab === 'cache' && external && <CacheFields cache={cache} onChange={setCache} />}
        {tab === 'properties' && (
          <>
            <label>
              <input
                type="checkbox"
                checked={readOnly}
                onChange={(e) => setReadOnly(e.currentTarget.checked)}
              />{' '}
              {t('Write protection')}
            </label>
            <NotesFields notes={notes} onChange={setNotes} columns={columns} />
            {external && (
              <>
                <label for="id-column">{t('ID column')}</label>
                <input
                  id="id-column"
                  value={idColumn}
                  onInput={(e) => setIdColumn(e.currentTarget.value)}
                />
                <MappingEditor columns={columns} mapping={mapping} onChange={setMapping} />
              </>
            )}
          </>
        )}
        <ErrorText error={error} />
        <button type="submit" disabled={!settings}>
          {t('Save')}
        </button>
      </form>
    </Dialog>
  );
}
