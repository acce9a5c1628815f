import { useEffect, useId, useState } from 'preact/hooks';
import type { Note } from '../api';
import { ApiError, request } from '../api';
import { formatTime, t } from '../i18n';

interface Props {
  /** API path of the note: a contact's `…/note` or `/numbers/{number}/note`. */
  path: string;
  label: string;
  readOnly?: boolean;
  compact?: boolean;
}

/**
 * A shared note, saved with If-Match. When someone else saved first (412, or 428 when
 * the note appeared meanwhile) their text is shown beside ours; what was typed stays in
 * the editor until the user chooses.
 */
export function NoteEditor({ path, label, readOnly = false, compact = false }: Props) {
  const id = useId();
  const [text, setText] = useState('');
  const [saved, setSaved] = useState<Note | null>(null);
  const [theirs, setTheirs] = useState<Note | null>(null);
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    request<Note>(path).then(
      ({ data }) => {
        if (!live) return;
        setSaved(data);
        setText(data.text);
      },
      (caught: Error) => live && setError(caught.message),
    );
    return () => {
      live = false;
    };
  }, [path]);

  const save = async (etag: string | null) => {
    setBusy(true);
    setError('');
    setStatus('');
    try {
      const { data } = await request<Note>(path, {
        method: 'PUT',
        body: { text },
        ifMatch: etag,
      });
      setSaved(data);
      setTheirs(null);
      setStatus(t('Saved'));
    } catch (caught) {
      if (caught instanceof ApiError && (caught.status === 412 || caught.status === 428)) {
        const { data } = await request<Note>(path);
        setTheirs(data);
      } else {
        setError((caught as Error).message);
      }
    } finally {
      setBusy(false);
    }
  };
  const takeTheirs = () => {
    if (!theirs) return;
    setText(theirs.text);
    setSaved(theirs);
    setTheirs(null);
  };

  const dirty = saved !== null && text !== saved.text;
  return (
    <div class={compact ? 'note compact' : 'note'}>
      <label for={id}>{label}</label>
      <textarea
        id={id}
        rows={compact ? 2 : 5}
        value={text}
        readOnly={readOnly || saved === null}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      {saved?.updatedBy && (
        <p class="hint">
          {t('Last saved by {user} at {time}', {
            user: saved.updatedBy,
            time: formatTime(saved.updatedAt),
          })}
        </p>
      )}
      {theirs && (
        <div class="conflict" role="alert">
          <strong>{t('Someone else saved first.')}</strong>{' '}
          {t('Your text is kept below; nothing was overwritten.')}
          <div class="versions">
            <div>
              <h4>{t('Their version')}</h4>
              <pre data-testid="their-note">{theirs.text}</pre>
              {theirs.updatedBy && (
                <p class="hint">
                  {theirs.updatedBy}, {formatTime(theirs.updatedAt)}
                </p>
              )}
            </div>
            <div>
              <h4>{t('Your version')}</h4>
              <pre>{text}</pre>
            </div>
          </div>
          <button type="button" disabled={busy} onClick={() => save(theirs.etag)}>
            {t('Keep mine and save again')}
          </button>
          <button type="button" onClick={takeTheirs}>
            {t('Take theirs')}
          </button>
        </div>
      )}
      {!readOnly && !theirs && (
        <button type="button" disabled={busy || !dirty} onClick={() => save(saved?.etag ?? null)}>
          {t('Save note')}
        </button>
      )}
      <span class="status" role="status">
        {status}
      </span>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </div>
  );
}
