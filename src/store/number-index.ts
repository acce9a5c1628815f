import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';

/** A stored phone number that matched, with what a caller display needs of its contact. */
export interface NumberHit {
  rowid: number;
  bookId: number;
  id: string;
  displayName: string;
  company: string | null;
  field: string;
  raw: string;
  canonical: string;
  base: string | null;
}

const HIT_COLUMNS = `c.rowid AS rowid, c.book_id AS bookId, c.id AS id,
  c.display_name AS displayName, c.company AS company,
  p.field AS field, p.raw AS raw, p.canonical AS canonical, p.base AS base`;

/**
 * The phone-number keys of every contact: equality on the canonical form for exact hits,
 * and on the company base number (the part of a direct-dial number before its extension)
 * for company hits. Never a suffix match.
 */
export class NumberIndex {
  readonly #exact: Statement;
  readonly #byBase: Statement;
  readonly #companyMain: Statement;

  constructor(db: SqliteDatabase) {
    this.#exact = db.prepare(
      `SELECT ${HIT_COLUMNS} FROM phones p JOIN contacts c ON c.rowid = p.contact_rowid
       WHERE p.canonical = ? LIMIT 200`,
    );
    // A stored business number written with an extension ("+49 89 4711-0") names its
    // base, when it belongs to a company: a private person's dash-written number says
    // nothing about who else answers under its base.
    this.#byBase = db.prepare(
      `SELECT ${HIT_COLUMNS} FROM phones p JOIN contacts c ON c.rowid = p.contact_rowid
       WHERE p.base = ? AND c.company IS NOT NULL
         AND p.field NOT IN ('mobilePhone', 'homePhone') LIMIT 200`,
    );
    // A stored number without extension is a company's main number when it is shorter
    // than the incoming direct-dial number and belongs to a company entry.
    this.#companyMain = db.prepare(
      `SELECT ${HIT_COLUMNS} FROM phones p JOIN contacts c ON c.rowid = p.contact_rowid
       WHERE p.canonical = ? AND c.company IS NOT NULL
         AND p.field NOT IN ('mobilePhone', 'homePhone') LIMIT 200`,
    );
  }

  exact(canonical: string): NumberHit[] {
    return this.#exact.all(canonical) as NumberHit[];
  }

  /** Hits whose base number, or whose whole number as a company's main number, is `prefix`. */
  company(prefix: string): NumberHit[] {
    const hits = this.#byBase.all(prefix) as NumberHit[];
    for (const hit of this.#companyMain.all(prefix) as NumberHit[]) {
      if (!hits.some((h) => h.rowid === hit.rowid)) hits.push(hit);
    }
    return hits;
  }
}
