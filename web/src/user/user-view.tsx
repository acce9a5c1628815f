import { useCallback, useContext, useEffect, useState } from 'preact/hooks';
import type { Opened } from '../app';
import { Events } from '../app';
import type { Phonebook } from '../api';
import { api } from '../api';
import { t } from '../i18n';
import { CallerBox } from './caller-box';
import { ContactForm } from './contact-form';
import { SearchBox } from './search-box';

interface Props {
  opened: Opened | null;
  onOpen: (target: Opened) => void;
  onClose: () => void;
}

/** The "CTI Client": search, caller box, the books one may read, the open contact. */
export function UserView({ opened, onOpen, onClose }: Props) {
  const events = useContext(Events);
  const [books, setBooks] = useState<Phonebook[]>([]);
  const [generation, setGeneration] = useState(0);

  const loadBooks = useCallback(async () => {
    setBooks(await api<Phonebook[]>('/phonebooks'));
  }, []);
  useEffect(() => {
    void loadBooks();
    return events?.subscribe((event) => {
      // Rights or books changed, or the stream (re)connected and may have missed that:
      // list them again and search again, without a reload.
      if (event.type === 'phonebooks-changed' || event.type === 'hello') {
        void loadBooks();
        setGeneration((n) => n + 1);
      }
    });
  }, [events, loadBooks]);

  const book = opened ? books.find((b) => b.name === opened.phonebook) : undefined;
  return (
    <main class="user">
      <section class="finder" aria-label={t('Search')}>
        <SearchBox onOpen={onOpen} generation={generation} />
        <CallerBox onOpen={onOpen} />
        <details class="books">
          <summary>
            {t('Phone books')} ({books.length})
          </summary>
          <ul data-testid="my-books">
            {books.map((b) => (
              <li key={b.name}>
                {b.name} <small>({b.contactCount})</small>
              </li>
            ))}
          </ul>
        </details>
      </section>
      {opened && (
        <ContactForm
          key={`${opened.phonebook}\u0000${opened.id}`}
          phonebook={opened.phonebook}
          id={opened.id}
          book={book}
          onClose={onClose}
        />
      )}
    </main>
  );
}
