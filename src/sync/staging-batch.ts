import type { PhoneField } from '../domain/contact.js';
import type { PhoneRow, WritableContact } from '../store/contact-rows.js';

/**
 * A batch of prepared contacts as it crosses to the staging writer thread: one flat array
 * of their fields (what the store writes, without `data`). postMessage clones a flat array
 * of strings several times faster than the same contacts as objects.
 */
export type StagingBatch = (string | number | null)[];

/**
 * Per contact: 8 fields, the phone count, then 5 fields a phone (a phone's company is the
 * contact's whenever it has a company rank).
 */
export function encodeBatch(contacts: readonly WritableContact[]): StagingBatch {
  const out: StagingBatch = [];
  for (const c of contacts) {
    out.push(c.id, c.json, c.hash, c.displayName, c.company, c.nameKey, c.names, c.other);
    out.push(c.phones.length);
    for (const p of c.phones) out.push(p.field, p.raw, p.canonical, p.base, p.companyRank);
  }
  return out;
}

export function decodeBatch(batch: StagingBatch): WritableContact[] {
  const contacts: WritableContact[] = [];
  let i = 0;
  const str = (): string => batch[i++] as string;
  while (i < batch.length) {
    const id = str();
    const json = str();
    const hash = batch[i++] as number;
    const displayName = str();
    const company = batch[i++] as string | null;
    const nameKey = str();
    const names = str();
    const other = str();
    const phones: PhoneRow[] = [];
    const count = batch[i++] as number;
    for (let p = 0; p < count; p++) {
      const field = str() as PhoneField;
      const raw = str();
      const canonical = str();
      const base = batch[i++] as string | null;
      const companyRank = batch[i++] as number | null;
      phones.push({
        field,
        raw,
        canonical,
        base,
        company: companyRank === null ? null : company,
        companyRank,
      });
    }
    contacts.push({ id, json, hash, displayName, company, nameKey, names, other, phones });
  }
  return contacts;
}
