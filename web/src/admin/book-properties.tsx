import type { NotesMode } from '../api';
import { t } from '../i18n';

export interface Cache {
  mode: 'full' | 'changed';
  everyHours: number;
  at: string;
}

export const DEFAULT_CACHE: Cache = { mode: 'full', everyHours: 24, at: 'startup' };

/** The Cache tab: full or changed-only reads, every N hours, at a time or at start-up. */
export function CacheFields({ cache, onChange }: { cache: Cache; onChange: (c: Cache) => void }) {
  return (
    <div class="grid2">
      <div>
        <label for="cache-mode">{t('Cache mode')}</label>
        <select
          id="cache-mode"
          value={cache.mode}
          onChange={(e) => onChange({ ...cache, mode: e.currentTarget.value as Cache['mode'] })}
        >
          <option value="full">{t('full read')}</option>
          <option value="changed">{t('changed only')}</option>
        </select>
      </div>
      <div>
        <label for="cache-every">{t('Every (hours)')}</label>
        <input
          id="cache-every"
          type="number"
          min="0.1"
          step="any"
          value={cache.everyHours}
          onInput={(e) => onChange({ ...cache, everyHours: Number(e.currentTarget.value) })}
        />
      </div>
      <div>
        <label for="cache-at">{t('At (HH:MM or startup)')}</label>
        <input
          id="cache-at"
          pattern="startup|([01][0-9]|2[0-3]):[0-5][0-9]"
          value={cache.at}
          onInput={(e) => onChange({ ...cache, at: e.currentTarget.value })}
        />
      </div>
    </div>
  );
}

/** Notes field: none, builtin, server files, or a memo column of the source. */
export function NotesFields({
  notes,
  onChange,
  columns,
}: {
  notes: NotesMode;
  onChange: (n: NotesMode) => void;
  columns: string[];
}) {
  const mode = typeof notes === 'string' ? notes : 'memo';
  return (
    <div class="grid2">
      <div>
        <label for="notes-mode">{t('Notes field')}</label>
        <select
          id="notes-mode"
          value={mode}
          onChange={(e) => {
            const value = e.currentTarget.value;
            onChange(value === 'memo' ? { memoColumn: columns[0] ?? '' } : (value as NotesMode));
          }}
        >
          <option value="none">{t('none')}</option>
          <option value="builtin">{t('builtin')}</option>
          <option value="server">{t('server')}</option>
          <option value="memo">{t('memo column')}</option>
        </select>
      </div>
      {typeof notes === 'object' && (
        <div>
          <label for="notes-memo">{t('Memo column')}</label>
          <input
            id="notes-memo"
            list="notes-columns"
            value={notes.memoColumn}
            onInput={(e) => onChange({ memoColumn: e.currentTarget.value })}
          />
          <datalist id="notes-columns">
            {columns.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
        </div>
      )}
    </div>
  );
}
