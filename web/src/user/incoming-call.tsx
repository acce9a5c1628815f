import { useEffect, useRef } from 'preact/hooks';
import type { Opened } from '../app';
import type { LookupResult } from '../api';
import { telHref } from '../api';
import { formatTime, t } from '../i18n';
import { NoteEditor } from './note-editor';

/** The matches of a lookup: who it is, from which book; each opens the contact. */
export function CallerMatches({
  result,
  onOpen,
}: {
  result: LookupResult;
  onOpen: (target: Opened) => void;
}) {
  if (result.matches.length === 0) return <p class="unknown">{t('Unknown caller')}</p>;
  return (
    <ul class="matches">
      {result.matches.map((m) => (
        <li key={`${m.phonebook}\u0000${m.id}`}>
          <button type="button" class="link" onClick={() => onOpen(m)}>
            {m.displayName}
          </button>
          {m.company && m.company !== m.displayName && <span class="company">{m.company}</span>}
          <span class="book">{m.phonebook}</span>
          <a href={telHref(m.number)}>{m.number}</a>
          <span class={`badge ${m.match}`}>{m.match}</span>
        </li>
      ))}
    </ul>
  );
}

interface Props {
  call: LookupResult;
  at: string;
  onOpen: (target: Opened) => void;
  onClose: () => void;
}

/** Opens when the server pushes an `incoming-call` event for this user. */
export function IncomingCall({ call, at, onOpen, onClose }: Props) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [call]);
  return (
    <aside
      class="incoming"
      role="alertdialog"
      aria-labelledby="incoming-title"
      onKeyDown={(e) => e.key === 'Escape' && onClose()}
    >
      <h2 id="incoming-title" tabIndex={-1} ref={heading}>
        {t('Incoming call')}: <a href={telHref(call.input)}>{call.input}</a>
      </h2>
      <p class="hint">{formatTime(at)}</p>
      <CallerMatches result={call} onOpen={onOpen} />
      {call.normalized && (
        <NoteEditor
          key={call.normalized}
          path={`/numbers/${encodeURIComponent(call.normalized)}/note`}
          label={t('Note on {number}', { number: call.input })}
          compact
        />
      )}
      <button type="button" onClick={onClose}>
        {t('Close')}
      </button>
    </aside>
  );
}
