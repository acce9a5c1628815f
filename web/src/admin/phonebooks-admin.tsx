import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { Events } from '../app';
import type { NotesMode, Phonebook } from '../api';
import { api, enc } from '../api';
import { formatTime, t } from '../i18n';
import { BookSettings } from './book-settings';
import { BookWizard, Skipped } from './book-wizard';
import { Dialog, ErrorText, message } from './dialog';

interface TrashEntry {
  entry: string;
  name: string;
  kind: string;
  deletedAt: string;
}

interface Report {
  added: number;
  updated: number;
  deleted: number;
  skipped: number;
  errors: { at: string; reason: string }[];
}

interface Progress {
  done: number;
  total: number | null;
  phase: string;
}

function notesText(notes: NotesMode): string {
  return typeof notes === 'string' ? t(notes) : `${t('memo column')}: ${notes.memoColumn}`;
}

/** The phone books: list, New…, Settings…, Update with live progress, Delete, Trash. */
export function PhonebooksAdmin() {
  const events = useContext(Events);
  const [books, setBooks] = useState<Phonebook[]>([]);
  const [trash, setTrash] = useState<TrashEntry[]>([]);
  const [progress, setProgress] = useState<Record<string, Progress>>({});
  const [reports, setReports] = useState<Record<string, Report>>({});
  const [dialog, setDialog] = useState<
    { type: 'new' } | { type: 'settings' | 'delete'; book: Phonebook } | null
  >(null);
  const [error, setError] = useState('');
  /** Books whose Update this page started and still waits for. */
  const updating = useRef(new Set<string>());

  const load = useCallback(async () => {
    const [b, tr] = await Promise.all([
      api<Phonebook[]>('/phonebooks'),
      api<TrashEntry[]>('/trash'),
    ]);
    setBooks(b);
    setTrash(tr);
    // A sync started elsewhere (schedule, creation, another admin) sends no last progress
    // event: its bar goes once the book no longer says it is running.
    setProgress((p) => {
      const still = Object.entries(p).filter(
        ([name]) =>
          updating.current.has(name) ||
          b.some((book) => book.name === name && book.sync.status === 'running'),
      );
      return still.length === Object.keys(p).length ? p : Object.fromEntries(still);
    });
  }, []);
  useEffect(() => {
    void load();
    return events?.subscribe((event) => {
      // A (re)connected stream may have missed changes while it was not there.
      if (event.type === 'phonebooks-changed' || event.type === 'hello') void load();
      if (event.type === 'sync-progress') {
        setProgress((p) => ({ ...p, [event.phonebook]: event }));
      }
    });
  }, [events, load]);

  const update = async (book: Phonebook) => {
    setError('');
    updating.current.add(book.name);
    setProgress((p) => ({ ...p, [book.name]: { done: 0, total: null, phase: 'start' } }));
    try {
      const report = await api<Report>(`/phonebooks/${enc(book.name)}/sync?wait=true`, {
        method: 'POST',
      });
      setReports((r) => ({ ...r, [book.name]: report }));
    } catch (caught) {
      setError(`${book.name}: ${message(caught)}`);
    } finally {
      updating.current.delete(book.name);
      setProgress((p) => {
        const { [book.name]: _done, ...rest } = p;
        return rest;
      });
      void load();
    }
  };
  const remove = async (book: Phonebook) => {
    setError('');
    try {
      await api(`/phonebooks/${enc(book.name)}`, { method: 'DELETE' });
      setDialog(null);
      void load();
    } catch (caught) {
      setError(message(caught));
    }
  };
  const restore = async (entry: TrashEntry) => {
    setError('');
    try {
      await api(`/trash/${enc(entry.entry)}/restore`, { method: 'POST', body: {} });
      void load();
    } catch (caught) {
      setError(message(caught));
    }
  };

  return (
    <section aria-labelledby="books-title">
      <div class="row">
        <h2 id="books-title" style="flex:1">
          {t('Phone books')}
        </h2>
        <button type="button" onClick={() => setDialog({ type: 'new' })}>
          {t('New…')}
        </button>
      </div>
      <ErrorText error={error} />
      <div class="table-wrap">
        <table data-testid="books">
          <thead>
            <tr>
              {[
                'Name',
                'Kind',
                'Records',
                'Write protection',
                'Notes',
                'Last sync',
                'Sync status',
                'Actions',
              ].map((h) => (
                <th key={h} scope="col">
                  {t(h)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {books.map((book) => {
              const running = progress[book.name];
              const report = reports[book.name];
              const syncable = book.kind !== 'builtin' && book.kind !== 'local-numbers';
              return (
                <tr key={book.name} data-book={book.name}>
                  <th scope="row">{book.name}</th>
                  <td>{book.kind}</td>
                  <td>{book.contactCount}</td>
                  <td>{book.readOnly ? t('Yes') : t('No')}</td>
                  <td>{notesText(book.notes)}</td>
                  <td>{formatTime(book.sync.lastSync)}</td>
                  <td>
                    {book.sync.status}
                    {book.sync.error && <div class="error">{book.sync.error}</div>}
                    {running && (
                      <div>
                        <progress
                          aria-label={t('Updating {name}…', { name: book.name })}
                          max={running.total ?? undefined}
                          value={running.total ? running.done : undefined}
                        />
                        <span data-testid="sync-progress" aria-live="polite">
                          {running.phase === 'start'
                            ? t('Updating {name}…', { name: book.name })
                            : t('{phase}: {done} records', {
                                phase: t(running.phase),
                                done: running.done.toLocaleString(),
                              })}
                        </span>
                      </div>
                    )}
                    {report && (
                      <div role="status" data-testid="sync-report">
                        {t(
                          '{added} added, {updated} updated, {deleted} deleted, {skipped} skipped',
                          {
                            added: report.added,
                            updated: report.updated,
                            deleted: report.deleted,
                            skipped: report.skipped,
                          },
                        )}
                        {report.errors.length > 0 && <Skipped rows={report.errors} />}
                      </div>
                    )}
                  </td>
                  <td>
                    <div class="row">
                      {book.kind !== 'local-numbers' && (
                        <button type="button" onClick={() => setDialog({ type: 'settings', book })}>
                          {t('Settings…')}
                        </button>
                      )}
                      {syncable && (
                        <button
                          type="button"
                          disabled={Boolean(running)}
                          onClick={() => update(book)}
                        >
                          {t('Update')}
                        </button>
                      )}
                      {!book.name.startsWith('Global.') && (
                        <button type="button" onClick={() => setDialog({ type: 'delete', book })}>
                          {t('Delete')}
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <h3>{t('Trash')}</h3>
      {trash.length === 0 ? (
        <p class="hint">{t('The trash is empty.')}</p>
      ) : (
        <ul data-testid="trash">
          {trash.map((entry) => (
            <li key={entry.entry}>
              {entry.name} ({entry.kind}), {t('Deleted at')} {formatTime(entry.deletedAt)}{' '}
              <button type="button" onClick={() => restore(entry)}>
                {t('Restore')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {dialog?.type === 'new' && (
        <BookWizard
          onClose={() => setDialog(null)}
          onCreated={() => {
            setDialog(null);
            void load();
          }}
        />
      )}
      {dialog?.type === 'settings' && (
        <BookSettings
          book={dialog.book}
          onClose={() => setDialog(null)}
          onSaved={() => {
            setDialog(null);
            void load();
          }}
        />
      )}
      {dialog?.type === 'delete' && (
        <Dialog
          title={t('Delete phone book {name}?', { name: dialog.book.name })}
          onClose={() => setDialog(null)}
        >
          <p>
            {t(
              'Its folder, records and notes are moved to the trash (trash/folders/). You can restore it from there.',
            )}
          </p>
          <div class="row">
            <button type="button" onClick={() => remove(dialog.book)}>
              {t('Delete')}
            </button>
            <button type="button" autofocus onClick={() => setDialog(null)}>
              {t('Cancel')}
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}
