import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { Events } from '../app';
import type { Contact, Phonebook } from '../api';
import { ApiError, CONTACT_FIELDS, PHONE_FIELDS, contactPath, request, telHref } from '../api';
import { t } from '../i18n';
import { NoteEditor } from './note-editor';

type Values = Record<string, string>;

interface Props {
  phonebook: string;
  id: string;
  book: Phonebook | undefined;
  onClose: () => void;
}

const PHONES: readonly string[] = PHONE_FIELDS;

function valuesOf(contact: Contact): Values {
  return Object.fromEntries(CONTACT_FIELDS.map((f) => [f, contact[f] ?? '']));
}

/**
 * The contact form ("data mask"): every field, editable with the write right. Saves the
 * changed fields with If-Match; when someone else saved first, their values are shown
 * next to the typed ones, which stay in the form.
 */
export function ContactForm({ phonebook, id, book, onClose }: Props) {
  const [original, setOriginal] = useState<Contact | null>(null);
  const [values, setValues] = useState<Values>({});
  const [theirs, setTheirs] = useState<Contact | null>(null);
  const [numberNote, setNumberNote] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);
  const path = contactPath(phonebook, id);
  const writable = Boolean(book?.rights.write && !book.readOnly);

  useEffect(() => {
    request<Contact>(path).then(
      ({ data }) => {
        setOriginal(data);
        setValues(valuesOf(data));
        heading.current?.focus();
      },
      (caught: Error) => setError(caught.message),
    );
  }, [path]);

  // Someone else saved this contact: show their values at once, or (when nothing was typed
  // here) simply take them.
  const events = useContext(Events);
  const latest = useRef({ original, dirty: false });
  useEffect(
    () =>
      events?.subscribe((event) => {
        if (event.type !== 'contacts-changed' || event.phonebook !== phonebook) return;
        if (!event.reset && !event.ids.includes(id)) return;
        void request<Contact>(path).then(
          ({ data }) => {
            const { original: current, dirty } = latest.current;
            if (!current || data.etag === current.etag) return;
            if (dirty) setTheirs(data);
            else {
              setOriginal(data);
              setValues(valuesOf(data));
            }
          },
          () => undefined,
        );
      }),
    [events, phonebook, id, path],
  );

  const changed = original
    ? CONTACT_FIELDS.filter((f) => (values[f] ?? '') !== (original[f] ?? ''))
    : [];
  latest.current = { original, dirty: changed.length > 0 };
  const save = async (etag: string) => {
    setError('');
    setStatus('');
    try {
      const body = Object.fromEntries(changed.map((f) => [f, values[f] ?? '']));
      const { data } = await request<Contact>(path, { method: 'PATCH', body, ifMatch: etag });
      setOriginal(data);
      setValues(valuesOf(data));
      setTheirs(null);
      setStatus(t('Changes saved.'));
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 412) {
        setTheirs((await request<Contact>(path)).data);
      } else setError((caught as Error).message);
    }
  };
  const takeTheirs = () => {
    if (!theirs) return;
    setOriginal(theirs);
    setValues(valuesOf(theirs));
    setTheirs(null);
  };

  return (
    <section class="contact" aria-labelledby="contact-title">
      <div class="contact-head">
        <h2 id="contact-title" tabIndex={-1} ref={heading}>
          {original?.displayName ?? '…'}
        </h2>
        <span class="book">{phonebook}</span>
        {!writable && <span class="badge">{t('Read only')}</span>}
        <button type="button" class="link" onClick={onClose} aria-label={t('Close')}>
          ✕
        </button>
      </div>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {original && (
        <form
          class="mask"
          onSubmit={(e) => {
            e.preventDefault();
            if (writable && changed.length) void save(original.etag);
          }}
        >
          {CONTACT_FIELDS.map((field) => (
            <div class="field" key={field}>
              <label for={`f-${field}`}>{t(field)}</label>
              <div class="row">
                <input
                  id={`f-${field}`}
                  name={field}
                  type={
                    PHONES.includes(field) ? 'tel' : field.startsWith('email') ? 'email' : 'text'
                  }
                  readOnly={!writable}
                  value={values[field] ?? ''}
                  onInput={(e) => setValues({ ...values, [field]: e.currentTarget.value })}
                />
                {PHONES.includes(field) && original[field] && (
                  <>
                    <a href={telHref(original[field] ?? '')} aria-label={`${t(field)}: tel`}>
                      ☎
                    </a>
                    <button
                      type="button"
                      class="link"
                      aria-expanded={numberNote === original[field]}
                      onClick={() =>
                        setNumberNote(
                          numberNote === original[field] ? null : (original[field] ?? null),
                        )
                      }
                    >
                      {t('Number note')}
                    </button>
                  </>
                )}
              </div>
              {theirs && (theirs[field] ?? '') !== (original[field] ?? '') && (
                <p class="theirs">
                  {t('Their version')}: <q>{theirs[field] ?? ''}</q>
                </p>
              )}
            </div>
          ))}
          {theirs && (
            <div class="conflict" role="alert">
              {t(
                'Someone else changed this contact first. Their version is shown next to yours; your typed values are kept.',
              )}
              <button type="button" onClick={() => save(theirs.etag)}>
                {t('Save mine anyway')}
              </button>
              <button type="button" onClick={takeTheirs}>
                {t('Take theirs')}
              </button>
            </div>
          )}
          {writable && !theirs && (
            <button type="submit" disabled={changed.length === 0}>
              {t('Save')}
            </button>
          )}
          <span role="status">{status}</span>
        </form>
      )}
      {numberNote && (
        <NoteEditor
          key={numberNote}
          path={`/numbers/${encodeURIComponent(numberNote)}/note`}
          label={t('Note on {number}', { number: numberNote })}
          compact
        />
      )}
      {original &&
        (book?.notes === 'none' ? (
          <p class="hint">{t('Notes are off for this phone book.')}</p>
        ) : (
          <NoteEditor path={`${path}/note`} label={t('Note')} />
        ))}
    </section>
  );
}
