import type { ContactData } from '../domain/contact.js';
import { PHONE_FIELDS } from '../domain/contact.js';
import { CtibookError } from '../domain/errors.js';
import type { NumberNormalizer } from '../domain/phone-number.js';
import type { StoredContact } from '../store/contact-store.js';

const ID = /^[^\p{Cc}/\\]{1,128}$/u;

/**
 * A contact id a client chose: 1 to 128 characters, no slashes or control characters.
 * @throws CtibookError VALIDATION_FAILED naming `id`.
 */
export function checkContactId(id: string): void {
  if (!ID.test(id)) {
    throw new CtibookError(
      'VALIDATION_FAILED',
      'id: 1 to 128 characters, no slashes or control characters',
      { field: 'id' },
    );
  }
}

/**
 * Every given phone field must hold something the normaliser reads as a number.
 * @throws CtibookError INVALID_NUMBER naming the field.
 */
export function checkPhoneNumbers(data: ContactData, normalizer: NumberNormalizer): void {
  for (const field of PHONE_FIELDS) {
    const raw = data[field]?.trim();
    if (raw && !normalizer.normalize(raw)) {
      throw new CtibookError('INVALID_NUMBER', `${field}: "${raw}" is not a phone number`, {
        field,
        value: raw,
      });
    }
  }
}

/**
 * `If-Match` (one tag, a list, or `*`) against the current ETag; absent passes.
 * @throws CtibookError STALE_ETAG with the current ETag.
 */
export function checkEtag(current: StoredContact, ifMatch: string | undefined): void {
  if (ifMatch === undefined || ifMatch === '*') return;
  const tags = ifMatch.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
  if (!tags.includes(current.etag)) {
    throw new CtibookError('STALE_ETAG', undefined, { id: current.id, etag: current.etag });
  }
}
