import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';
import { bookToken } from './contact-rows.js';
import { nameKeyPrefixes, prefixUpperBound } from '../domain/search-text.js';

/**
 * The index digits a query word of digits may be the start of (see
 * `NumberNormalizer.queryDigits`): the index keeps one spelling of each number, and the
 * other ways of typing it (international, local) are read here instead.
 */
export type QueryDigits = (word: string) => readonly string[];

/** Which books a search may see: every book, or the listed ids. */
export type BookScope = 'all' | readonly number[];

export interface SearchPage {
  rowids: number[];
  /** Matches in scope; counted up to {@link COUNT_CAP}, beyond which it is a lower bound. */
  total: number;
}

/** Candidates of the lower ranks sorted by name; past this many they stay in index order. */
const SORT_WINDOW = 200;
/**
 * Totals are counted exactly up to this many matches; beyond, `total` is this lower bound.
 * Counting is the dearest part of a one-letter query, and a user types on long before
 * paging through a thousand hits.
 */
export const COUNT_CAP = 1000;

/**
 * Search-as-you-type over the FTS index. Ranks in three tiers: display name starts with the
 * first word; every word starts a word of a name field; every word starts a word of any
 * field. Words are folded search words (see `foldedWords`); all must match.
 */
export class ContactSearch {
  readonly #db: SqliteDatabase;
  readonly #statements = new Map<string, Statement>();
  readonly #term: (word: string) => string;

  constructor(db: SqliteDatabase, queryDigits: QueryDigits) {
    this.#db = db;
    this.#term = (word) => term(word, queryDigits);
  }

  search(words: readonly string[], scope: BookScope, limit: number, offset: number): SearchPage {
    if (words.length === 0 || (scope !== 'all' && scope.length === 0)) {
      return { rowids: [], total: 0 };
    }
    const want = offset + limit;
    const seen = new Set<number>();
    const ranked: number[] = [];
    const take = (rowids: Iterable<number>): void => {
      for (const rowid of rowids) {
        if (ranked.length >= want) return;
        if (!seen.has(rowid)) {
          seen.add(rowid);
          ranked.push(rowid);
        }
      }
    };
    const match = (namesOnly: boolean): string => ftsQuery(words.map(this.#term), scope, namesOnly);
    take(this.#nameStart(words, scope, want));
    if (ranked.length < want) take(this.#ftsTier(match(true), want + seen.size));
    if (ranked.length < want) take(this.#ftsTier(match(false), want + seen.size));
    const total = this.#count(match(false));
    return { rowids: ranked.slice(offset), total: Math.max(total, ranked.length) };
  }

  /**
   * Rows whose display name starts with the first word (under each umlaut spelling it may
   * stand for) and whose fields match the other words, in name order. One statement, so
   * the other words are looked up in the index once however many spellings there are.
   * The first word is matched in the index too (every row of the name range has it in
   * its names), so FTS5 intersects the words' lists and the filter holds only rows that
   * match them all, not every row that a one-letter second word matches.
   */
  #nameStart(words: readonly string[], scope: BookScope, want: number): number[] {
    const [first = '', ...rest] = words;
    const prefixes = nameKeyPrefixes(first);
    const books = scope === 'all' ? '' : `AND book_id IN (${scope.join(',')})`;
    // `+rowid`: walk the name range in order and test each row against the other words,
    // rather than fetch and sort every row that the other words (often one letter) match.
    const restFilter = rest.length > 0 ? 'AND +rowid IN rest' : '';
    const range = (i: number): string =>
      `SELECT rowid, name_key FROM contacts WHERE name_key >= @lo${i} AND name_key < @hi${i}
       ${books} ${restFilter} ORDER BY name_key, rowid LIMIT @want`;
    const ranges = prefixes.map((_, i) => `SELECT * FROM (${range(i)})`).join(' UNION ALL ');
    const withRest =
      rest.length > 0
        ? 'WITH rest AS MATERIALIZED (SELECT rowid FROM contact_fts WHERE contact_fts MATCH @rest)'
        : '';
    const sql = `${withRest} SELECT rowid FROM (${ranges}) ORDER BY name_key, rowid LIMIT @want`;
    const params: Record<string, string | number> = { want };
    prefixes.forEach((prefix, i) => {
      params[`lo${i}`] = prefix;
      params[`hi${i}`] = prefixUpperBound(prefix);
    });
    if (rest.length > 0) {
      params.rest = `{names}: ${this.#term(first)} AND ${columnsMatch(rest.map(this.#term), false)}`;
    }
    return this.#statement(sql).pluck().all(params) as number[];
  }

  /** Up to {@link SORT_WINDOW} matches sorted by name, then the rest in index order. */
  #ftsTier(match: string, want: number): number[] {
    const window = Math.max(want, SORT_WINDOW);
    const sorted = this.#statement(
      `SELECT c.rowid FROM (SELECT rowid FROM contact_fts WHERE contact_fts MATCH @match LIMIT @window) f
       JOIN contacts c ON c.rowid = f.rowid ORDER BY c.name_key, c.rowid`,
    )
      .pluck()
      .all({ match, window }) as number[];
    return sorted.slice(0, want);
  }

  #count(match: string): number {
    return this.#statement(
      'SELECT count(*) FROM (SELECT 1 FROM contact_fts WHERE contact_fts MATCH @match LIMIT @cap)',
    )
      .pluck()
      .get({ match, cap: COUNT_CAP }) as number;
  }

  #statement(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      if (this.#statements.size > 500) this.#statements.clear();
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

/** A folded word as an FTS5 prefix term (a word of digits: any of its index spellings). */
function term(word: string, queryDigits: QueryDigits): string {
  const spellings = /^\d+$/.test(word) ? queryDigits(word) : [word];
  const terms = spellings.map((spelling) => `"${spelling.replaceAll('"', '""')}"*`);
  return terms.length === 1 ? (terms[0] ?? '') : `(${terms.join(' OR ')})`;
}

/** Prefix terms of the name columns, or of every searchable column; all must match. */
function columnsMatch(terms: readonly string[], namesOnly: boolean): string {
  const all = terms.join(' AND ');
  return namesOnly ? `{names}: (${all})` : `{names other}: (${all})`;
}

function ftsQuery(terms: readonly string[], scope: BookScope, namesOnly: boolean): string {
  const matched = columnsMatch(terms, namesOnly);
  if (scope === 'all') return matched;
  const books = scope.map((id) => `"${bookToken(id)}"`).join(' OR ');
  return `${matched} AND {book}: (${books})`;
}
