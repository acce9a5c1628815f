import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api';
import { t } from '../i18n';
import { ErrorText, message } from './dialog';

export interface User {
  username: string;
  displayName: string | null;
  email: string | null;
  department: string | null;
  extensions: string[];
  admin: boolean;
}

const split = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Users with their extensions: list, create, change extensions, delete. */
export function UsersAdmin() {
  const [users, setUsers] = useState<User[]>([]);
  const [form, setForm] = useState({ username: '', password: '', displayName: '', extensions: '' });
  const [admin, setAdmin] = useState(false);
  const [error, setError] = useState('');
  const load = useCallback(async () => setUsers(await api<User[]>('/users')), []);
  useEffect(() => void load(), [load]);

  const run = async (action: () => Promise<unknown>) => {
    setError('');
    try {
      await action();
      await load();
    } catch (caught) {
      setError(message(caught));
    }
  };
  const create = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      await api('/users', {
        method: 'POST',
        body: {
          username: form.username,
          password: form.password,
          ...(form.displayName ? { displayName: form.displayName } : {}),
          extensions: split(form.extensions),
          admin,
        },
      });
      setForm({ username: '', password: '', displayName: '', extensions: '' });
      setAdmin(false);
    });
  };
  const input = (key: keyof typeof form, label: string, type = 'text') => (
    <div>
      <label for={`user-${key}`}>{t(label)}</label>
      <input
        id={`user-${key}`}
        type={type}
        autocomplete={type === 'password' ? 'new-password' : 'off'}
        required={key === 'username' || key === 'password'}
        value={form[key]}
        onInput={(e) => setForm({ ...form, [key]: e.currentTarget.value })}
      />
    </div>
  );

  return (
    <section aria-labelledby="users-title">
      <h2 id="users-title">{t('Users')}</h2>
      <ErrorText error={error} />
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('Username')}</th>
              <th scope="col">{t('Display name')}</th>
              <th scope="col">{t('Extensions')}</th>
              <th scope="col">{t('Admin')}</th>
              <th scope="col">{t('Actions')}</th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.username}>
                <th scope="row">{user.username}</th>
                <td>{user.displayName ?? ''}</td>
                <td>
                  <input
                    aria-label={`${t('Extensions')} ${user.username}`}
                    value={user.extensions.join(', ')}
                    onChange={(e) => {
                      const extensions = split(e.currentTarget.value);
                      void run(() =>
                        api(`/users/${enc(user.username)}`, {
                          method: 'PATCH',
                          body: { extensions },
                        }),
                      );
                    }}
                  />
                </td>
                <td>{user.admin ? t('Yes') : t('No')}</td>
                <td>
                  <button
                    type="button"
                    onClick={() =>
                      void run(() => api(`/users/${enc(user.username)}`, { method: 'DELETE' }))
                    }
                  >
                    {t('Delete')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form onSubmit={create}>
        <fieldset>
          <legend>{t('New user')}</legend>
          <div class="grid2">
            {input('username', 'Username')}
            {input('password', 'Password', 'password')}
            {input('displayName', 'Display name')}
            {input('extensions', 'Extensions')}
          </div>
          <label>
            <input
              type="checkbox"
              checked={admin}
              onChange={(e) => setAdmin(e.currentTarget.checked)}
            />{' '}
            {t('Admin')}
          </label>
          <button type="submit">{t('Create')}</button>
        </fieldset>
      </form>
    </section>
  );
}
