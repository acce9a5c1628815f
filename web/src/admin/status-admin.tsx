import { useEffect, useState } from 'preact/hooks';
import type { Phonebook } from '../api';
import { api } from '../api';
import { formatTime, t } from '../i18n';

interface Status {
  version: string;
  home: string;
  startedAt: string;
  uptimeSeconds: number;
  phonebooks: (Phonebook & { syncHistory: SyncHistoryEntry[] })[];
}

interface SyncHistoryEntry {
  startedAt: string;
  durationMs: number;
  status: 'ok' | 'failed';
  added: number;
  updated: number;
  deleted: number;
  skipped: number;
  error: string | null;
}

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `${h} h ${m} min`;
}

/** Version, home directory, uptime, and each book's last syncs. */
export function StatusAdmin() {
  const [status, setStatus] = useState<Status | null>(null);
  useEffect(() => void api<Status>('/status').then(setStatus), []);
  if (!status) return <p>{t('Loading')}…</p>;
  return (
    <section aria-labelledby="status-title">
      <h2 id="status-title">{t('Status')}</h2>
      <dl class="grid2">
        <div>
          <dt>{t('Version')}</dt>
          <dd>{status.version}</dd>
        </div>
        <div>
          <dt>{t('Home directory')}</dt>
          <dd>{status.home}</dd>
        </div>
        <div>
          <dt>{t('Uptime')}</dt>
          <dd>{duration(status.uptimeSeconds)}</dd>
        </div>
        <div>
          <dt>{t('Started at')}</dt>
          <dd>{formatTime(status.startedAt)}</dd>
        </div>
      </dl>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('Name')}</th>
              <th scope="col">{t('Kind')}</th>
              <th scope="col">{t('Records')}</th>
              <th scope="col">{t('Last sync')}</th>
              <th scope="col">{t('Sync status')}</th>
              <th scope="col">{t('Sync history')}</th>
            </tr>
          </thead>
          <tbody>
            {status.phonebooks.map((book) => (
              <tr key={book.name}>
                <th scope="row">{book.name}</th>
                <td>{book.kind}</td>
                <td>{book.contactCount}</td>
                <td>{formatTime(book.sync.lastSync)}</td>
                <td>
                  {book.sync.status}
                  {book.sync.error && <div class="error">{book.sync.error}</div>}
                </td>
                <td>
                  {book.syncHistory.length > 0 && (
                    <ol class="history" data-testid="sync-history">
                      {book.syncHistory.map((entry) => (
                        <li key={entry.startedAt}>
                          {formatTime(entry.startedAt)}: {t(entry.status)}
                          {entry.status === 'ok'
                            ? ` (${t(
                                '{added} added, {updated} updated, {deleted} deleted, {skipped} skipped',
                                {
                                  added: entry.added,
                                  updated: entry.updated,
                                  deleted: entry.deleted,
                                  skipped: entry.skipped,
                                },
                              )})`
                            : ` (${entry.error ?? ''})`}
                        </li>
                      ))}
                    </ol>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
