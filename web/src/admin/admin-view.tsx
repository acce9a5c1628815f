import { useState } from 'preact/hooks';
import { t } from '../i18n';
import { GroupsAdmin } from './groups-admin';
import { LocationAdmin } from './location-admin';
import { PhonebooksAdmin } from './phonebooks-admin';
import { StatusAdmin } from './status-admin';
import { UsersAdmin } from './users-admin';

const SECTIONS = {
  books: ['Phone books', PhonebooksAdmin],
  users: ['Users', UsersAdmin],
  groups: ['Groups', GroupsAdmin],
  location: ['Location', LocationAdmin],
  status: ['Status', StatusAdmin],
} as const;

type Section = keyof typeof SECTIONS;

/** "CTI Server Management": loaded on demand, admins only (the API checks that too). */
export function AdminView() {
  const [section, setSection] = useState<Section>('books');
  const Current = SECTIONS[section][1];
  return (
    <main class="admin">
      <nav aria-label={t('Admin')}>
        {(Object.keys(SECTIONS) as Section[]).map((key) => (
          <button
            key={key}
            type="button"
            aria-pressed={section === key}
            onClick={() => setSection(key)}
          >
            {t(SECTIONS[key][0])}
          </button>
        ))}
      </nav>
      <Current />
    </main>
  );
}
