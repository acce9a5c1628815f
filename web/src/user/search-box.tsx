import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Opened } from '../app';
import type { SearchItem } from '../api';
import { PHONE_FIELDS, api, telHref } from '../api';
import { t } from '../i18n';

const DEBOUNCE_MS = 120;
const LIMIT = 25;

interface Props {
  onOpen: (target: Opened) => void;
  /** Bumped when the readable books change: the current search runs again. */
  generation: number;
}

/**
 * Search-as-you-type over every readable book (`GET /api/v1/search`), a combobox: arrows
 * move through the results, Enter opens one. Only one page of results is ever fetched.
 */
export function SearchBox({ onOpen, generation }: Props) {
  const [query, setQuery] = useState('');
  const [items, setItems] = useState<SearchItem[]>([]);
  const [total, setTotal] = useState(0);
  const [active, setActive] = useState(-1);
  const [searched, setSearched] = useState('');
  const input = useRef<HTMLInputElement>(null);

  // Focused before the first paint: the field is ready the moment the page shows.
  useLayoutEffect(() => {
    input.current?.focus();
  }, []);
  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setItems([]);
      setSearched('');
      return;
    }
    const abort = new AbortController();
    const timer = setTimeout(() => {
      api<{ items: SearchItem[]; total: number }>(
        `/search?q=${encodeURIComponent(q)}&limit=${LIMIT}`,
        { signal: abort.signal },
      ).then(
        (answer) => {
          setItems(answer.items);
          setTotal(answer.total);
          setActive(answer.items.length ? 0 : -1);
          setSearched(q);
        },
        () => undefined,
      );
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [query, generation]);

  const open = (item: SearchItem | undefined) => {
    if (item) onOpen({ phonebook: item.phonebook, id: item.id });
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      setActive((i) => Math.min(i + 1, items.length - 1));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      setActive((i) => Math.max(i - 1, 0));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      open(items[active]);
    } else if (event.key === 'Escape') {
      setQuery('');
    }
  };
  const optionId = (i: number) => `result-${i}`;

  return (
    <div class="search">
      <label for="search">{t('Search')}</label>
      <input
        id="search"
        type="search"
        role="combobox"
        autocomplete="off"
        spellcheck={false}
        aria-expanded={items.length > 0}
        aria-controls="results"
        aria-autocomplete="list"
        aria-activedescendant={active >= 0 ? optionId(active) : undefined}
        placeholder={t('Search name, company or number')}
        value={query}
        ref={input}
        onInput={(e) => setQuery(e.currentTarget.value)}
        onKeyDown={onKeyDown}
      />
      <p class="hint" aria-live="polite">
        {!query.trim()
          ? t('Type to search all your phone books.')
          : searched && items.length === 0
            ? t('No matches')
            : searched
              ? `${items.length} / ${total}`
              : ''}
      </p>
      <ul id="results" role="listbox" aria-label={t('Search results')} class="results">
        {items.map((item, i) => (
          <li
            key={`${item.phonebook}\u0000${item.id}`}
            id={optionId(i)}
            role="option"
            aria-selected={i === active}
            class={i === active ? 'active' : ''}
            onClick={() => open(item)}
          >
            <span class="name">{item.displayName}</span>
            {item.company && item.company !== item.displayName && (
              <span class="company">{item.company}</span>
            )}
            <span class="book">{item.phonebook}</span>
            <span class="numbers">
              {PHONE_FIELDS.filter((f) => item[f]).map((f) => (
                <a
                  key={f}
                  href={telHref(item[f] ?? '')}
                  title={t(f)}
                  onClick={(e) => e.stopPropagation()}
                >
                  {item[f]}
                </a>
              ))}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
