import { useCallback, useEffect, useState } from 'preact/hooks';
import type { Phonebook, Rights } from '../api';
import { api, enc } from '../api';
import { t } from '../i18n';
import { Dialog, ErrorText, message } from './dialog';
import type { User } from './users-admin';

interface Group {
  name: string;
  members: string[];
  resources: ({ phonebook: string } & Rights)[];
}

const RIGHTS = ['read', 'write', 'offline'] as const;

/** Groups with members, and each group's Resources… as a books × rights matrix. */
export function GroupsAdmin() {
  const [groups, setGroups] = useState<Group[]>([]);
  const [users, setUsers] = useState<User[]>([]);
  const [books, setBooks] = useState<Phonebook[]>([]);
  const [name, setName] = useState('');
  const [resources, setResources] = useState<Group | null>(null);
  const [error, setError] = useState('');
  const load = useCallback(async () => {
    const [g, u, b] = await Promise.all([
      api<Group[]>('/groups'),
      api<User[]>('/users'),
      api<Phonebook[]>('/phonebooks'),
    ]);
    setGroups(g);
    setUsers(u);
    setBooks(b);
  }, []);
  useEffect(() => void load(), [load]);

  const run = async (action: () => Promise<unknown>) => {
    setError('');
    try {
      await action();
      await load();
      return true;
    } catch (caught) {
      setError(message(caught));
      return false;
    }
  };
  const toggleMember = (group: Group, username: string, on: boolean) => {
    const members = on ? [...group.members, username] : group.members.filter((m) => m !== username);
    void run(() => api(`/groups/${enc(group.name)}/members`, { method: 'PUT', body: members }));
  };

  return (
    <section aria-labelledby="groups-title">
      <h2 id="groups-title">{t('Groups')}</h2>
      <ErrorText error={error} />
      {groups.map((group) => (
        <fieldset key={group.name} data-group={group.name}>
          <legend>{group.name}</legend>
          <div role="group" aria-label={`${t('Members')} ${group.name}`} class="row">
            <strong>{t('Members')}:</strong>
            {users.map((user) => (
              <label key={user.username} style="font-weight:normal">
                <input
                  type="checkbox"
                  checked={group.members.includes(user.username)}
                  onChange={(e) => toggleMember(group, user.username, e.currentTarget.checked)}
                />{' '}
                {user.username}
              </label>
            ))}
          </div>
          <div class="row">
            <button type="button" onClick={() => setResources(group)}>
              {t('Resources…')}
            </button>
            <button
              type="button"
              onClick={() =>
                void run(() => api(`/groups/${enc(group.name)}`, { method: 'DELETE' }))
              }
            >
              {t('Delete')}
            </button>
          </div>
        </fieldset>
      ))}
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await api('/groups', { method: 'POST', body: { name } });
            setName('');
          });
        }}
      >
        <label for="group-name">{t('New group')}</label>
        <input
          id="group-name"
          required
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <button type="submit">{t('Create')}</button>
      </form>
      {resources && (
        <ResourcesDialog
          group={resources}
          books={books}
          onClose={() => setResources(null)}
          onSave={async (rows) => {
            const saved = await run(() =>
              api(`/groups/${enc(resources.name)}/resources`, { method: 'PUT', body: rows }),
            );
            if (saved) setResources(null);
          }}
        />
      )}
    </section>
  );
}

function ResourcesDialog({
  group,
  books,
  onClose,
  onSave,
}: {
  group: Group;
  books: Phonebook[];
  onClose: () => void;
  onSave: (rows: ({ phonebook: string } & Rights)[]) => Promise<void>;
}) {
  const initial = Object.fromEntries(
    books.map((b) => {
      const r = group.resources.find((x) => x.phonebook === b.name);
      return [
        b.name,
        { read: r?.read ?? false, write: r?.write ?? false, offline: r?.offline ?? false },
      ];
    }),
  );
  const [matrix, setMatrix] = useState<Record<string, Rights>>(initial);
  const set = (book: string, right: (typeof RIGHTS)[number], on: boolean) => {
    const current = matrix[book] ?? { read: false, write: false, offline: false };
    const next = { ...current, [right]: on };
    // Write and offline imply read; taking read takes them too.
    if (right !== 'read' && on) next.read = true;
    if (right === 'read' && !on) Object.assign(next, { write: false, offline: false });
    setMatrix({ ...matrix, [book]: next });
  };
  return (
    <Dialog title={t('Resources of {name}', { name: group.name })} onClose={onClose}>
      <ErrorText error="" />
      <div class="table-wrap">
        <table data-testid="resources">
          <thead>
            <tr>
              <th scope="col">{t('Phonebook')}</th>
              {RIGHTS.map((r) => (
                <th key={r} scope="col">
                  {t(r)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {books.map((book) => (
              <tr key={book.name}>
                <th scope="row">{book.name}</th>
                {RIGHTS.map((right) => (
                  <td key={right}>
                    <input
                      type="checkbox"
                      aria-label={`${book.name}: ${t(right)}`}
                      checked={matrix[book.name]?.[right] ?? false}
                      onChange={(e) => set(book.name, right, e.currentTarget.checked)}
                    />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <button
        type="button"
        onClick={() =>
          void onSave(
            Object.entries(matrix)
              .filter(([, r]) => r.read)
              .map(([phonebook, r]) => ({ phonebook, ...r })),
          )
        }
      >
        {t('Save')}
      </button>
    </Dialog>
  );
}
