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

/** Which books a lookup may see: every book, or the listed ids. */
export type NumberScope = 'all' | readonly number[];

/** Most candidate base numbers {@link NumberIndex.company} looks up in one statement. */
export const MAX_CANDIDATES = 6;

const HIT_COLUMNS = `c.rowid AS rowid, c.book_id AS bookId, c.id AS id,
  c.display_name AS displayName, c.company AS company,
  p.field AS field, p.raw AS raw, p.canonical AS canonical, p.base AS base`;
const FROM = 'FROM phones p JOIN contacts c ON c.rowid = p.contact_rowid';
// The book filter is tested on the phone row, so a hit in a book the caller may not read
// costs an index entry and a phone row, not a contact row.
const IN_BOOKS = 'AND p.book_id IN (SELECT value FROM json_each(@books))';
/** Up to this many books are bound one by one: cheaper than `json_each` (~6 µs a statement). */
const BOOK_SLOTS = 8;
/**
 * The filter for exactly `count` books bound as `@b0`…: one statement per count, as an IN
 * list is built into a temporary index at every run (a single book's `=` saved 4 µs of a
 * company statement's 24 and 1.5 µs of an exact one's 7.5 against 8 repeated slots).
 */
function inBookSlots(count: number): string {
  if (count === 1) return 'AND p.book_id = @b0';
  return `AND p.book_id IN (${Array.from({ length: count }, (_, i) => `@b${i}`).join(', ')})`;
}
const CANDIDATES = Array.from({ length: MAX_CANDIDATES }, (_, i) => `@c${i}`).join(', ');

/**
 * The phone-number keys of every contact: equality on the canonical form for exact hits,
 * and on the company base number (the part of a direct-dial number before its extension)
 * for company hits. Never a suffix match.
 */
export class NumberIndex {
  readonly #exact: Statement;
  readonly #exactIn: Statement;
  /** By number of books: see {@link inBookSlots}. */
  readonly #exactInSlots: Statement[] = [];
  readonly #company: Statement;
  readonly #companyIn: Statement;
  readonly #companyInSlots: Statement[] = [];

  /**
   * @param options.companyIndex whether `phones_company_base` exists (default): company
   *   statements then name it. A client's offline copy opened while another process fills
   *   it without that index (see `OfflineCache.deferIndexes`) reads the table instead.
   */
  constructor(db: SqliteDatabase, options: { companyIndex?: boolean } = {}) {
    const companyIndex = options.companyIndex ?? true;
    const exact = `SELECT ${HIT_COLUMNS} ${FROM} WHERE p.canonical = @canonical`;
    this.#exact = db.prepare(`${exact} LIMIT 200`);
    this.#exactIn = db.prepare(`${exact} ${IN_BOOKS} LIMIT 200`);
    for (let count = 1; count <= BOOK_SLOTS; count++) {
      this.#exactInSlots[count] = db.prepare(`${exact} ${inBookSlots(count)} LIMIT 200`);
    }
    // A business number of a contact with a company names that company on a call to its
    // base: written with an extension ("+49 89 4711-0", an employee's "-123") by its base,
    // written without one (a main number) by the whole number. Each phone row carries its
    // contact's company and rank, so the best row of each company under a base comes from
    // the index alone (a big company has hundreds of employees under one base); only the
    // chosen rows and the main numbers are read. Every candidate in one statement.
    const company = (books: string): string => `
      WITH best AS (
        SELECT p.rowid AS phone, min(p.company_rank) AS rank
        FROM phones p ${companyIndex ? 'INDEXED BY phones_company_base' : ''}
        WHERE p.base IN (${CANDIDATES}) AND p.company IS NOT NULL ${books}
        GROUP BY p.base, p.book_id, p.company
      )
      SELECT ${HIT_COLUMNS} FROM best JOIN phones p ON p.rowid = best.phone
        JOIN contacts c ON c.rowid = p.contact_rowid
      UNION ALL
      SELECT ${HIT_COLUMNS} ${FROM}
        WHERE p.canonical IN (${CANDIDATES}) AND p.company IS NOT NULL ${books}`;
    this.#company = db.prepare(`${company('')} LIMIT 1000`);
    this.#companyIn = db.prepare(`${company(IN_BOOKS)} LIMIT 1000`);
    for (let count = 1; count <= BOOK_SLOTS; count++) {
      this.#companyInSlots[count] = db.prepare(`${company(inBookSlots(count))} LIMIT 1000`);
    }
  }

  /** Contacts whose number is `canonical`, in the books of `scope`. */
  exact(canonical: string, scope: NumberScope = 'all'): NumberHit[] {
    if (scope === 'all') return this.#exact.all({ canonical }) as NumberHit[];
    if (scope.length === 0) return [];
    if (scope.length > BOOK_SLOTS) {
      return this.#exactIn.all({ canonical, books: JSON.stringify(scope) }) as NumberHit[];
    }
    return this.#inSlots(this.#exactInSlots, scope).all({
      canonical,
      ...bookSlots(scope),
    }) as NumberHit[];
  }

  /**
   * Company numbers among the candidate bases (at most {@link MAX_CANDIDATES}) in the books
   * of `scope`: for each base, book and company the best-ranked business number under that
   * base (the "-0" main number, else the company's own entry, else an employee's), and
   * every business number that is itself a candidate (a main number written without
   * extension). The caller picks the candidate it prefers and one hit per company.
   */
  company(candidates: readonly string[], scope: NumberScope = 'all'): NumberHit[] {
    if (candidates.length === 0) return [];
    if (candidates.length > MAX_CANDIDATES) throw new RangeError('too many candidate bases');
    const params: Record<string, string> = {};
    // Unused slots repeat a candidate: the statement has a fixed number of them.
    for (let i = 0; i < MAX_CANDIDATES; i++) params[`c${i}`] = candidates[i] ?? candidates[0] ?? '';
    if (scope === 'all') return this.#company.all(params) as NumberHit[];
    if (scope.length === 0) return [];
    if (scope.length > BOOK_SLOTS) {
      return this.#companyIn.all({ ...params, books: JSON.stringify(scope) }) as NumberHit[];
    }
    return this.#inSlots(this.#companyInSlots, scope).all({
      ...params,
      ...bookSlots(scope),
    }) as NumberHit[];
  }

  #inSlots(statements: readonly Statement[], scope: readonly number[]): Statement {
    const statement = statements[scope.length];
    if (!statement) throw new RangeError(`no statement for ${scope.length} books`);
    return statement;
  }
}

/** The book ids as `@b0`, `@b1`, … */
function bookSlots(scope: readonly number[]): Record<string, number> {
  const slots: Record<string, number> = {};
  scope.forEach((bookId, i) => (slots[`b${i}`] = bookId));
  return slots;
}
