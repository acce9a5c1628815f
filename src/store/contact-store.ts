import type { Statement } from 'better-sqlite3';
import type { ContactData } from '../domain/contact.js';
import { IdList } from '../domain/id-list.js';
import type { SqliteDatabase } from './database.js';
import type { PhoneRow, PreparedContact, WritableContact } from './contact-rows.js';
import { bookToken } from './contact-rows.js';
import { BookCounters } from './book-counters.js';

/** A contact row as stored. */
export interface StoredContact {
  rowid: number;
  bookId: number;
  id: string;
  data: ContactData;
  displayName: string;
  etag: string;
  updatedAt: string;
  seq: number;
}

export interface ContactRow {
  rowid: number;
  book_id: number;
  id: string;
  data: string;
  display_name: string;
  etag: string;
  updated_at: string;
  seq: number;
  hash: number;
}

/**
 * A book's source records as a sync left them, in record order: two 32-bit hashes of each
 * record's raw bytes, the content hash and id of the contact it became.
 */
export interface StoredRecordList {
  fingerprint: string;
  rawHashes: Uint32Array;
  contentHashes: Uint32Array;
  ids: IdList;
  /** The ids are those of the list stored now, in order: only the hashes are written. */
  sameIds?: boolean;
}

/** SQLite's default `wal_autocheckpoint`. */
const AUTOCHECKPOINT_PAGES = 1000;

/** A diff being applied in steps (see {@link ContactStore.openDiff}). */
export interface StoreDiff {
  /** Adds or changes these contacts. */
  write(upserts: readonly WritableContact[]): void;
  /** Deletes these ids (with tombstones), settles the record list, and commits. */
  commit(deletes: readonly string[], list: StoredRecordList): void;
  /** Undoes every step; nothing was written. */
  rollback(): void;
}

/** Canonical forms of a stored contact's numbers, keyed by field. */
export type NormalizedNumbers = Record<string, string>;

export function toStored(row: ContactRow): StoredContact {
  return {
    rowid: row.rowid,
    bookId: row.book_id,
    id: row.id,
    data: JSON.parse(row.data) as ContactData,
    displayName: row.display_name,
    etag: row.etag,
    updatedAt: row.updated_at,
    seq: row.seq,
  };
}

export interface ContactStoreOptions {
  /**
   * Keep each contact's search text beside the index, for the change feed (the server);
   * a client's offline copy serves no feed and writes none. Default true.
   */
  keepSearchText?: boolean;
  /**
   * Resume the search index's merging on open: a server stopped during a sync leaves it
   * paused. A client's copy, which another process may be filling, resumes it itself.
   * Default true.
   */
  resumeIndexMerging?: boolean;
}

/**
 * Segments of one level of the search index that force a merge even while automatic
 * merging is paused (FTS5's `crisismerge`; its default is 16). While paused, a bulk write
 * flushes a new segment at every commit and every megabyte of index text, so at 16 it
 * merges small runs of segments over and over.
 */
const CRISIS_MERGE = { paused: 64, running: 16 };

/**
 * Pauses (or resumes, at FTS5's default of 4) the search index's automatic segment
 * merging, and lets more segments pile up before a forced merge while paused. The
 * settings are stored in the index.
 */
export function setIndexMerging(db: SqliteDatabase, paused: boolean): void {
  const crisis = paused ? CRISIS_MERGE.paused : CRISIS_MERGE.running;
  // One write: a sync's worker sets both while the main thread writes too.
  db.transaction(() => {
    db.exec(`INSERT INTO contact_fts (contact_fts, rank) VALUES ('automerge', ${paused ? 0 : 4})`);
    db.exec(`INSERT INTO contact_fts (contact_fts, rank) VALUES ('crisismerge', ${crisis})`);
  }).immediate();
}

/**
 * Contacts of every phone book, with their phone-number keys and search index, in one
 * SQLite database. Every write bumps the book's change sequence (for client caches) and
 * keeps the number and search index in the same transaction as the record.
 */
export class ContactStore {
  readonly #db: SqliteDatabase;
  readonly #stmts: ReturnType<typeof prepareStatements>;
  readonly #rowidStatements = new Map<number, Statement>();
  readonly #keepText: boolean;

  constructor(db: SqliteDatabase, options: ContactStoreOptions = {}) {
    this.#db = db;
    this.#stmts = prepareStatements(db);
    this.#keepText = options.keepSearchText ?? true;
    if (options.resumeIndexMerging ?? true) this.pauseIndexMerging(false);
  }

  /**
   * Whether a commit on this connection copies the WAL into the store file once it holds
   * 1,000 pages (SQLite's default, on), or leaves that to another connection (see
   * `SyncCache.holdCheckpoints`).
   */
  automaticCheckpoints(on: boolean): void {
    if (!this.#db.open) return; // closed meanwhile: a new connection has the default
    this.#db.pragma(`wal_autocheckpoint = ${on ? AUTOCHECKPOINT_PAGES : 0}`);
  }

  /** {@link setIndexMerging} on this store; see `SyncCache.bulk`. */
  pauseIndexMerging(paused: boolean): void {
    setIndexMerging(this.#db, paused);
  }

  /**
   * Does a small step of merging the search index's segments (about 50 pages); returns
   * whether there may be more to do.
   */
  mergeIndexStep(): boolean {
    if (!this.#db.open) return false; // closed while merging: the next start resumes it
    const before = this.#db.prepare('SELECT total_changes()').pluck().get() as number;
    this.#db.exec("INSERT INTO contact_fts (contact_fts, rank) VALUES ('merge', 50)");
    const after = this.#db.prepare('SELECT total_changes()').pluck().get() as number;
    // FTS5: a merge that did work changes at least two rows.
    return after - before >= 2;
  }

  get(bookId: number, id: string): StoredContact | undefined {
    const row = this.#stmts.get.get(bookId, id) as ContactRow | undefined;
    return row && toStored(row);
  }

  /** Whether the book has a contact of that id (one index probe, no row read). */
  exists(bookId: number, id: string): boolean {
    return this.#stmts.rowidOf.get(bookId, id) !== undefined;
  }

  getByRowids(rowids: readonly number[]): StoredContact[] {
    if (rowids.length === 0) return [];
    const rows = this.#byRowids(rowids.length).all(...rowids) as ContactRow[];
    const byRowid = new Map(rows.map((row) => [row.rowid, toStored(row)]));
    return rowids.flatMap((rowid) => byRowid.get(rowid) ?? []);
  }

  /** The statement reading `count` rows by rowid; kept for the page sizes searches use. */
  #byRowids(count: number): Statement {
    let statement = this.#rowidStatements.get(count);
    if (!statement) {
      const marks = Array.from({ length: count }, () => '?').join(',');
      statement = this.#db.prepare(`SELECT * FROM contacts WHERE rowid IN (${marks})`);
      if (count <= 100) this.#rowidStatements.set(count, statement);
    }
    return statement;
  }

  normalizedNumbers(rowid: number): NormalizedNumbers {
    const rows = this.#stmts.phonesOf.all(rowid) as { field: string; canonical: string }[];
    return Object.fromEntries(rows.map((row) => [row.field, row.canonical]));
  }

  /** A page of a book's contacts in name order. */
  list(bookId: number, limit: number, offset: number): { items: StoredContact[]; total: number } {
    const rows = this.#stmts.list.all(bookId, limit, offset) as ContactRow[];
    return { items: rows.map(toStored), total: this.count(bookId) };
  }

  /** The book's contact count, kept in step by every write (no table scan). */
  count(bookId: number): number {
    return this.#stmts.storedCount.pluck().get(bookId) as number;
  }

  /** Inserts or replaces one contact; returns the stored row. */
  put(bookId: number, contact: PreparedContact, now: string): StoredContact {
    return this.#writing((counters) => {
      this.#write(counters, bookId, contact, now);
      return this.get(bookId, contact.id) as StoredContact;
    });
  }

  /** Inserts or replaces many contacts in one transaction. */
  putMany(bookId: number, contacts: Iterable<PreparedContact>, now: string): number {
    return this.#writing((counters) => {
      let written = 0;
      for (const contact of contacts) {
        this.#write(counters, bookId, contact, now);
        written++;
      }
      return written;
    });
  }

  /**
   * Inserts contacts into a book that holds none of their ids yet (a sync's staging copy,
   * new and empty, fed ids its read already made unique), in one transaction: without
   * {@link putMany}'s per-row probe for a stored row and tombstone (a tenth of a staging
   * fill). A duplicate id breaks the `(book_id, id)` unique key: the transaction throws and
   * writes nothing.
   */
  insertNew(bookId: number, contacts: Iterable<WritableContact>, now: string): number {
    return this.#writing((counters) => {
      let written = 0;
      for (const contact of contacts) {
        counters.added(bookId, 1);
        this.#insert(counters, bookId, contact, now, null);
        written++;
      }
      return written;
    });
  }

  /**
   * Inserts or replaces many contacts in one transaction, each with its own `updatedAt`
   * (a restored book keeps the times its records were last changed).
   */
  putManyDated(
    bookId: number,
    entries: Iterable<{ contact: WritableContact; updatedAt: string }>,
  ): number {
    return this.#writing((counters) => {
      let written = 0;
      for (const { contact, updatedAt } of entries) {
        this.#write(counters, bookId, contact, updatedAt);
        written++;
      }
      return written;
    });
  }

  /**
   * {@link putManyDated} for a copy being filled (a client's full copy): nearly every
   * contact is new to the book, so each is inserted without first probing for its id; one
   * whose id is taken (it changed while the copy was made and came again) is written over
   * the stored one. Tombstones are cleared only when the book has any.
   */
  fillDated(
    bookId: number,
    entries: Iterable<{ contact: WritableContact; updatedAt: string }>,
  ): number {
    return this.#writing((counters) => {
      const tombstones = this.#stmts.anyTombstone.get(bookId) !== undefined;
      let written = 0;
      for (const { contact, updatedAt } of entries) {
        if (!this.#insertIfNew(counters, bookId, contact, updatedAt)) {
          this.#write(counters, bookId, contact, updatedAt);
        } else if (tombstones) {
          this.#stmts.clearTombstone.run(bookId, contact.id);
        }
        written++;
      }
      return written;
    });
  }

  /** Deletes one contact and leaves a tombstone for client caches. */
  delete(bookId: number, id: string): boolean {
    return this.#writing((counters) => this.#delete(counters, bookId, id));
  }

  /** Removes every contact of a book (the book itself is dropped by the caller). */
  deleteBook(bookId: number): void {
    this.#db
      .transaction(() => {
        // Collected first: better-sqlite3 runs no statement while another one iterates.
        const rowids = this.#stmts.rowidsOf.all(bookId) as { rowid: number }[];
        for (const { rowid } of rowids) this.#removeIndexText(rowid);
        this.#stmts.deletePhonesOfBook.run(bookId);
        this.#stmts.deleteContactsOfBook.run(bookId);
        this.#stmts.deleteTombstonesOfBook.run(bookId);
        this.#stmts.setCount.run(0, bookId);
      })
      .immediate();
  }

  /** Every contact of a book, in storage order (for export and re-indexing). */
  *iterateBook(bookId: number): Generator<StoredContact> {
    for (const row of this.#stmts.allOf.iterate(bookId) as Iterable<ContactRow>) {
      yield toStored(row);
    }
  }

  /**
   * Rewrites the number keys and search index of stored contacts (after the location
   * settings changed) without touching their data, etag or change sequence.
   */
  reindex(entries: Iterable<{ rowid: number; bookId: number; contact: PreparedContact }>): void {
    this.#db
      .transaction(() => {
        for (const { rowid, bookId, contact } of entries) {
          this.#stmts.deleteFts.run(rowid);
          this.#stmts.deletePhones.run(rowid);
          this.#insertIndex(rowid, bookId, contact);
        }
      })
      .immediate();
  }

  /** Rowids in storage order after `after`, a batch at a time (for re-indexing). */
  rowidsAfter(after: number, limit: number): StoredContact[] {
    return (this.#stmts.batchAfter.all(after, limit) as ContactRow[]).map(toStored);
  }

  /**
   * Content hash of each contact of a book, by id (what a sync compares against), read a
   * slice at a time with the event loop let in between, so that reading a million of them
   * does not hold up lookups.
   */
  async hashesInSlices(bookId: number, slice = 20_000): Promise<Map<string, number>> {
    const hashes = new Map<string, number>();
    let after = '';
    for (;;) {
      const rows = this.#stmts.hashesAfter.raw().all(bookId, after, slice) as [string, number][];
      for (const [id, hash] of rows) hashes.set(id, hash);
      const last = rows.at(-1);
      if (!last || rows.length < slice) return hashes;
      after = last[0];
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** The book's change sequence: every write to its contacts moves it on. */
  changeSeq(bookId: number): number {
    return (this.#stmts.seqOf.pluck().get(bookId) as number | undefined) ?? 0;
  }

  /**
   * The book's source records as the last sync stored them, with the change sequence they
   * describe; undefined when there is none or when the copy was written since (a
   * write-back, an edit): then only a full read tells what the copy holds.
   */
  recordList(bookId: number): { list: StoredRecordList; seq: number } | undefined {
    return this.#db.transaction(() => {
      const row = this.#stmts.recordList.get(bookId) as RecordListRow | undefined;
      const seq = this.changeSeq(bookId);
      if (!row || row.seq !== seq) return undefined;
      const list = decodeRecordList(row);
      return list?.ids.length === this.count(bookId) ? { list, seq } : undefined;
    })();
  }

  /** Stores a book's source records (a rebuild's staging copy, before it is promoted). */
  putRecordList(bookId: number, list: StoredRecordList): void {
    this.#db.transaction(() => this.#putRecordList(bookId, list)).immediate();
  }

  /**
   * Upserts and deletions (with tombstones) in one transaction. `records`: the source's
   * records after this diff, stored in the same transaction, unless the copy was written
   * since `records.seq` (the sync's start): then the stored list is dropped instead.
   */
  applyDiff(
    bookId: number,
    upserts: readonly WritableContact[],
    deletes: readonly string[],
    now: string,
    records?: { list: StoredRecordList; seq: number },
  ): void {
    let untouched = false;
    this.#writing(
      (counters) => {
        untouched = records !== undefined && this.changeSeq(bookId) === records.seq;
        for (const contact of upserts) this.#write(counters, bookId, contact, now);
        for (const id of deletes) this.#delete(counters, bookId, id);
      },
      () => this.#settleRecordList(bookId, records?.list, untouched),
    );
  }

  /**
   * {@link applyDiff} in steps, for a writer thread that is handed the upserts while the
   * sync still reads (`DiffThread`): one IMMEDIATE transaction from here to `commit`, so
   * readers see the old copy until then; a failing step, or `rollback`, undoes all of it.
   * `listSeq`: the book's change sequence when the sync started; `commit` stores the
   * source's records unless the copy was written since (decided here, where the write lock
   * is taken).
   */
  openDiff(bookId: number, now: string, listSeq: number): StoreDiff {
    const db = this.#db;
    db.exec('BEGIN IMMEDIATE');
    const rollback = (): void => {
      if (db.inTransaction) db.exec('ROLLBACK');
    };
    const step = (work: () => void): void => {
      try {
        work();
      } catch (error) {
        rollback();
        throw error;
      }
    };
    const counters = new BookCounters(this.#stmts.seqOf);
    let untouched = false;
    step(() => (untouched = this.changeSeq(bookId) === listSeq));
    return {
      write: (upserts) =>
        step(() => {
          for (const contact of upserts) this.#write(counters, bookId, contact, now);
        }),
      commit: (deletes, list) =>
        step(() => {
          for (const id of deletes) this.#delete(counters, bookId, id);
          counters.flush(this.#stmts.setSeqAndCount);
          this.#settleRecordList(bookId, list, untouched);
          db.exec('COMMIT');
        }),
      rollback,
    };
  }

  /** Stores the source's records after a diff, or drops the stored ones when the copy was written. */
  #settleRecordList(bookId: number, list: StoredRecordList | undefined, untouched: boolean): void {
    if (list && untouched) this.#putRecordList(bookId, list);
    else if (list) this.#stmts.deleteRecordList.run(bookId);
  }

  #putRecordList(bookId: number, list: StoredRecordList): void {
    const { rawHashes, contentHashes } = list;
    const hashes = Buffer.alloc(rawHashes.byteLength + contentHashes.byteLength);
    hashes.set(new Uint8Array(rawHashes.buffer, rawHashes.byteOffset, rawHashes.byteLength));
    hashes.set(
      new Uint8Array(contentHashes.buffer, contentHashes.byteOffset, contentHashes.byteLength),
      rawHashes.byteLength,
    );
    this.#stmts.putRecordList.run(bookId, list.fingerprint, this.changeSeq(bookId), hashes);
    if (list.sameIds !== true) this.#stmts.putRecordIds.run(bookId, list.ids.text);
  }

  /**
   * Removes a book's contacts a chunk at a time, yielding between chunks, so a large copy
   * is dropped without holding the store; returns once the book is empty.
   */
  async dropInChunks(bookId: number, chunk = 1000): Promise<void> {
    for (;;) {
      const done = this.#db
        .transaction(() => {
          const rowids = this.#stmts.rowidsBatch.pluck().all(bookId, chunk) as number[];
          for (const rowid of rowids) this.#removeRow(rowid);
          this.#stmts.addCount.run(-rowids.length, bookId);
          return rowids.length < chunk;
        })
        .immediate();
      if (done) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.#stmts.deleteTombstonesOfBook.run(bookId);
  }

  #insertIndex(rowid: number, bookId: number, contact: WritableContact): void {
    this.#insertPhones(rowid, bookId, contact.phones);
    this.#insertText(rowid, bookId, contact);
  }

  /** The search index row, and the text it took when kept (replacing what was kept). */
  #insertText(rowid: number, bookId: number, contact: WritableContact): void {
    this.#stmts.insertFts.run(rowid, contact.names, contact.other, bookToken(bookId));
    if (this.#keepText) this.#stmts.putText.run(rowid, contact.names, contact.other);
  }

  #removeIndexText(rowid: number): void {
    this.#stmts.deleteFts.run(rowid);
    if (this.#keepText) this.#stmts.deleteText.run(rowid);
  }

  #insertPhones(rowid: number, bookId: number, phones: readonly PhoneRow[]): void {
    for (const { field, raw, canonical, base, company, companyRank } of phones) {
      this.#stmts.insertPhone.run(rowid, bookId, field, raw, canonical, base, company, companyRank);
    }
  }

  /**
   * Runs `work` in one transaction with the books' change sequences and contact counts
   * kept in memory and written once at its end. Like every write transaction here it
   * starts IMMEDIATE: a sync worker writes on its own connection, and a deferred
   * transaction that read before the worker committed could not write (SQLITE_BUSY_SNAPSHOT). (An `UPDATE … RETURNING` per contact made
   * SQLite open a statement savepoint, and FTS5 flushes its pending index at every one.)
   */
  #writing<T>(work: (counters: BookCounters) => T, after?: () => void): T {
    return this.#db
      .transaction(() => {
        const counters = new BookCounters(this.#stmts.seqOf);
        const result = work(counters);
        counters.flush(this.#stmts.setSeqAndCount);
        after?.();
        return result;
      })
      .immediate();
  }

  #delete(counters: BookCounters, bookId: number, id: string): boolean {
    const row = this.#stmts.rowidOf.get(bookId, id) as { rowid: number } | undefined;
    if (!row) return false;
    this.#removeRow(row.rowid);
    counters.added(bookId, -1);
    this.#stmts.tombstone.run(bookId, id, counters.nextSeq(bookId));
    return true;
  }

  /** Changes the stored contact of that id in place, or adds it. */
  #write(counters: BookCounters, bookId: number, contact: WritableContact, now: string): void {
    const existing = this.#stmts.rowidOf.get(bookId, contact.id) as { rowid: number } | undefined;
    if (existing) {
      this.#replace(counters, bookId, existing.rowid, contact, now);
      return;
    }
    counters.added(bookId, 1);
    this.#insert(counters, bookId, contact, now, null);
    this.#stmts.clearTombstone.run(bookId, contact.id);
  }

  /** {@link #insert} of a new row; false, with nothing written, when the id is taken. */
  #insertIfNew(
    counters: BookCounters,
    bookId: number,
    contact: WritableContact,
    now: string,
  ): boolean {
    let rowid: number;
    try {
      rowid = this.#insertRow(counters, bookId, contact, now, null);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') return false;
      throw error;
    }
    this.#insertIndex(rowid, bookId, contact);
    counters.added(bookId, 1);
    return true;
  }

  /** Inserts the row (at `rowid`, or a new one when null) and its number and search index. */
  #insert(
    counters: BookCounters,
    bookId: number,
    contact: WritableContact,
    now: string,
    rowid: number | null,
  ): void {
    this.#insertIndex(this.#insertRow(counters, bookId, contact, now, rowid), bookId, contact);
  }

  /** The contact row alone; its rowid. */
  #insertRow(
    counters: BookCounters,
    bookId: number,
    contact: WritableContact,
    now: string,
    rowid: number | null,
  ): number {
    const seq = counters.nextSeq(bookId);
    const etag = `"${bookId}-${seq}"`;
    const { lastInsertRowid } = this.#stmts.insert.run(
      rowid,
      bookId,
      contact.id,
      contact.json,
      contact.displayName,
      contact.company,
      contact.nameKey,
      etag,
      now,
      seq,
      contact.hash,
    );
    return Number(lastInsertRowid);
  }

  /**
   * Changes a stored contact in place: an UPDATE touches only the indexes of the columns
   * it sets, and the phone rows are kept when the numbers did not change (edits, syncs'
   * diffs and clients' deltas are mostly such changes; each index entry moved in a large
   * store is a random page).
   */
  #replace(
    counters: BookCounters,
    bookId: number,
    rowid: number,
    contact: WritableContact,
    now: string,
  ): void {
    const seq = counters.nextSeq(bookId);
    this.#stmts.update.run(
      contact.json,
      contact.displayName,
      contact.company,
      contact.nameKey,
      `"${bookId}-${seq}"`,
      now,
      seq,
      contact.hash,
      rowid,
    );
    const phones = this.#stmts.phoneRowsOf.all(rowid) as PhoneRow[];
    if (!samePhones(phones, contact.phones)) {
      this.#stmts.deletePhones.run(rowid);
      this.#insertPhones(rowid, bookId, contact.phones);
    }
    this.#stmts.deleteFts.run(rowid);
    this.#insertText(rowid, bookId, contact);
    this.#stmts.clearTombstone.run(bookId, contact.id);
  }

  #removeRow(rowid: number): void {
    this.#removeIndexText(rowid);
    this.#stmts.deletePhones.run(rowid);
    this.#stmts.deleteContact.run(rowid);
  }
}

function samePhones(stored: readonly PhoneRow[], wanted: readonly PhoneRow[]): boolean {
  return (
    stored.length === wanted.length &&
    stored.every((phone, i) => {
      const other = wanted[i];
      return (
        other !== undefined &&
        phone.field === other.field &&
        phone.raw === other.raw &&
        phone.canonical === other.canonical &&
        phone.base === other.base &&
        phone.company === other.company &&
        phone.companyRank === other.companyRank
      );
    })
  );
}

interface RecordListRow {
  fingerprint: string;
  seq: number;
  hashes: Buffer;
  ids: string;
}

/** The BLOB holds the raw hashes (2 per record), then the content hashes, in native byte order. */
function decodeRecordList(row: RecordListRow): StoredRecordList | undefined {
  if (row.hashes.byteLength % 12 !== 0) return undefined;
  const count = row.hashes.byteLength / 12;
  const ids = IdList.parse(row.ids, count);
  if (!ids) return undefined;
  const all = new Uint32Array(3 * count);
  row.hashes.copy(new Uint8Array(all.buffer));
  return {
    fingerprint: row.fingerprint,
    rawHashes: all.subarray(0, 2 * count),
    contentHashes: all.subarray(2 * count),
    ids,
  };
}

function prepareStatements(db: SqliteDatabase) {
  const s = (sql: string): Statement => db.prepare(sql);
  return {
    get: s('SELECT * FROM contacts WHERE book_id = ? AND id = ?'),
    rowidOf: s('SELECT rowid FROM contacts WHERE book_id = ? AND id = ?'),
    rowidsOf: s('SELECT rowid FROM contacts WHERE book_id = ?'),
    batchAfter: s('SELECT * FROM contacts WHERE rowid > ? ORDER BY rowid LIMIT ?'),
    allOf: s('SELECT * FROM contacts WHERE book_id = ? ORDER BY rowid'),
    list: s('SELECT * FROM contacts WHERE book_id = ? ORDER BY name_key, rowid LIMIT ? OFFSET ?'),
    storedCount: s('SELECT contact_count FROM phonebooks WHERE id = ?'),
    addCount: s('UPDATE phonebooks SET contact_count = contact_count + ? WHERE id = ?'),
    setCount: s('UPDATE phonebooks SET contact_count = ? WHERE id = ?'),
    phonesOf: s('SELECT field, canonical FROM phones WHERE contact_rowid = ?'),
    insert: s(`INSERT INTO contacts
      (rowid, book_id, id, data, display_name, company, name_key, etag, updated_at, seq, hash)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    update: s(`UPDATE contacts SET data = ?, display_name = ?, company = ?, name_key = ?,
      etag = ?, updated_at = ?, seq = ?, hash = ? WHERE rowid = ?`),
    phoneRowsOf: s(
      `SELECT field, raw, canonical, base, company, company_rank AS companyRank
       FROM phones WHERE contact_rowid = ? ORDER BY rowid`,
    ),
    hashesAfter: s(
      'SELECT id, hash FROM contacts WHERE book_id = ? AND id > ? ORDER BY id LIMIT ?',
    ),
    rowidsBatch: s('SELECT rowid FROM contacts WHERE book_id = ? LIMIT ?'),
    insertPhone: s(
      `INSERT INTO phones (contact_rowid, book_id, field, raw, canonical, base, company, company_rank)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertFts: s('INSERT INTO contact_fts (rowid, names, other, book) VALUES (?, ?, ?, ?)'),
    deleteFts: s('DELETE FROM contact_fts WHERE rowid = ?'),
    putText: s('INSERT OR REPLACE INTO contact_text (rowid, names, other) VALUES (?, ?, ?)'),
    deleteText: s('DELETE FROM contact_text WHERE rowid = ?'),
    deletePhones: s('DELETE FROM phones WHERE contact_rowid = ?'),
    deleteContact: s('DELETE FROM contacts WHERE rowid = ?'),
    deletePhonesOfBook: s('DELETE FROM phones WHERE book_id = ?'),
    deleteContactsOfBook: s('DELETE FROM contacts WHERE book_id = ?'),
    deleteTombstonesOfBook: s('DELETE FROM tombstones WHERE book_id = ?'),
    tombstone: s('INSERT OR REPLACE INTO tombstones (book_id, id, seq) VALUES (?, ?, ?)'),
    clearTombstone: s('DELETE FROM tombstones WHERE book_id = ? AND id = ?'),
    anyTombstone: s('SELECT 1 FROM tombstones WHERE book_id = ? LIMIT 1'),
    seqOf: s('SELECT seq FROM phonebooks WHERE id = ?'),
    recordList: s(`SELECT fingerprint, seq, hashes, ids FROM source_records
      JOIN source_record_ids USING (book_id) WHERE book_id = ?`),
    putRecordList: s(
      'INSERT OR REPLACE INTO source_records (book_id, fingerprint, seq, hashes) VALUES (?, ?, ?, ?)',
    ),
    putRecordIds: s('INSERT OR REPLACE INTO source_record_ids (book_id, ids) VALUES (?, ?)'),
    deleteRecordList: s('DELETE FROM source_records WHERE book_id = ?'),
    setSeqAndCount: s(
      'UPDATE phonebooks SET seq = ?, contact_count = contact_count + ? WHERE id = ?',
    ),
  };
}
