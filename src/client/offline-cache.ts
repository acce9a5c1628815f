import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AccessService, DEFAULT_ACCESS_OPTIONS } from '../access/access-service.js';
import type { Principal } from '../access/access-service.js';
import { AccessStore } from '../access/access-store.js';
import { CallerLookup } from '../directory/caller-lookup.js';
import { LocationService } from '../directory/location-service.js';
import { SearchService } from '../directory/search-service.js';
import type { LocationSettings } from '../domain/phone-number.js';
import { NoteStore } from '../notes/note-store.js';
import { checkSnapshot, copySnapshot } from '../store/book-snapshot.js';
import { ContactSearch } from '../store/contact-search.js';
import { ContactStore, setIndexMerging } from '../store/contact-store.js';
import type { SqliteDatabase } from '../store/database.js';
import { openDatabase } from '../store/database.js';
import { NumberIndex } from '../store/number-index.js';
import { PhonebookStore, SettingsStore } from '../store/phonebook-store.js';
import type {
  ChangePage,
  Contact,
  LookupAnswer,
  PreparedChangePage,
  SearchAnswer,
} from './api-types.js';
import { ClientError } from './client-errors.js';
import type { DatedContact, PageHead } from './page-contacts.js';
import { pageContacts, sameLocation } from './page-contacts.js';

/** The file of the offline copies inside the working directory. */
export const CACHE_FILE = 'offline.sqlite';

/** A downloaded book snapshot is the cache file's name, this, and the process id. */
const SNAPSHOT_SUFFIX = '.snapshot-';

/** One book kept offline. */
export interface CachedBook {
  name: string;
  contactCount: number;
  /** When the copy last caught up with the server (ISO time), null while a first copy fills. */
  syncedAt: string | null;
}

export interface OfflineCacheOptions {
  /** Largest size the cache file may grow to; a write past it fails like a full disk. */
  maxBytes?: number;
}

interface CachedBookRow {
  name: string;
  local_id: number | null;
  token: string | null;
  staging_id: number | null;
  staging_token: string | null;
  synced_at: string | null;
}

const CLIENT_SCHEMA = `
  CREATE TABLE IF NOT EXISTS client_books (
    name TEXT PRIMARY KEY,
    local_id INTEGER,
    token TEXT,
    staging_id INTEGER,
    staging_token TEXT,
    synced_at TEXT
  );
  CREATE TABLE IF NOT EXISTS client_deferred_indexes (
    name TEXT PRIMARY KEY,
    sql TEXT NOT NULL,
    pid INTEGER NOT NULL
  );`;

/**
 * The store's indexes whose keys (name keys, numbers) a copy brings in random order: each
 * insert lands on a leaf page of its own, so a big copy fills much faster without them and
 * builds them once at the end (measured at 1,000,000 contacts: see BENCHMARKS.md). The
 * indexes on ids, change sequences and phone rows' contacts grow in order and stay.
 */
const DEFERRABLE_INDEXES = [
  'contacts_name_key',
  'contacts_book_name',
  'phones_canonical',
  'phones_company_base',
] as const;

/**
 * Page cache while a full copy fills into its indexes, and otherwise. A full copy inserts
 * into five indexes in random key order (ids, name keys, canonical numbers); once they
 * outgrow the cache, every insert reads and spills pages. Without the deferred ones (a
 * first sync) the smaller cache is as fast and the client's peak memory 150–250 MB lower.
 * Measured at 1,000,000 contacts: see BENCHMARKS.md.
 */
const FILL_CACHE_KIB = 262_144;
const READ_CACHE_KIB = 65_536;

/**
 * Pages of a full copy committed together. Each commit writes every index page the rows
 * touched to the write-ahead log (and the checkpoint again to the file), and a full copy's
 * random keys touch nearly all of them: at the default 10,000 contacts a page, one commit
 * every 100,000 contacts instead of every page. A process killed mid-copy goes on from
 * the last commit, as the token is committed with the rows.
 */
export const FILL_COMMIT_PAGES = 10;

/** The local copy answers as an admin of its own store: it only holds books the user may read. */
const LOCAL: Principal = { username: 'offline-copy', admin: true };
const BOOK_CONFIG = { readOnly: true, notes: 'none' } as const;

/**
 * The offline copies of the books a user has the offline right on, in one SQLite file of
 * the server's own schema, searched and looked up with the server's own modules (number
 * normalisation, number index, search ranking, caller lookup), so an offline answer is
 * the answer the server would give.
 *
 * Every page of changes is applied together with its token in one transaction, so a
 * process killed at any point leaves a copy that opens and continues where it stopped.
 * A full copy (first sync, or `reset` from the server) fills a hidden staging book that
 * replaces the old copy only once complete: the old copy stays usable meanwhile.
 */
export class OfflineCache {
  readonly file: string;
  readonly #db: SqliteDatabase;
  readonly #contacts: ContactStore;
  readonly #location: LocationService;
  #books!: PhonebookStore;
  #lookup!: CallerLookup;
  #search!: SearchService;
  readonly #access: AccessService;
  readonly #searchIndex: ContactSearch;
  readonly #index: NumberIndex;
  /** Pages of a full copy applied since its open transaction began (0: none is open). */
  #uncommittedPages = 0;
  /** This instance dropped indexes for a full copy (see {@link deferIndexes}). */
  #deferred = false;

  private constructor(file: string, db: SqliteDatabase) {
    this.file = file;
    this.#db = db;
    this.#contacts = new ContactStore(db, { keepSearchText: false, resumeIndexMerging: false });
    this.#access = new AccessService(new AccessStore(db), DEFAULT_ACCESS_OPTIONS, () => undefined);
    // Opened while another process fills without the company index: read without it.
    const companyIndex = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'phones_company_base'")
      .get();
    this.#index = new NumberIndex(db, { companyIndex: companyIndex !== undefined });
    this.#location = new LocationService(new SettingsStore(db), this.#contacts, new NoteStore(db));
    this.#searchIndex = new ContactSearch(db, (word) =>
      this.#location.normalizer.queryDigits(word),
    );
    this.#refreshBooks();
  }

  /**
   * Opens (creating when missing) the offline copies in `workdir`, and finishes dropping
   * any copy whose removal a killed process left undone.
   * @throws ClientError CACHE_WRITE_FAILED when the directory or file cannot be written.
   */
  static open(workdir: string, options: OfflineCacheOptions = {}): OfflineCache {
    const file = join(workdir, CACHE_FILE);
    try {
      mkdirSync(workdir, { recursive: true, mode: 0o700 });
      // NORMAL: a power cut may lose the last page, never consistency; the token goes with it.
      const db = openDatabase(file, { synchronous: 'NORMAL', journalMayWait: true });
      if (options.maxBytes !== undefined) {
        const pageSize = db.pragma('page_size', { simple: true }) as number;
        db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxBytes / pageSize))}`);
      }
      // A full copy's transactions grow the write-ahead log to their size: cut back after.
      db.pragma('journal_size_limit = 67108864');
      db.exec(CLIENT_SCHEMA);
      removeStaleSnapshots(file);
      // A process killed while a copy filled without some indexes: they are built now.
      if (deferredBy(db).every((pid) => !isAlive(pid))) buildDeferredIndexes(db);
      const cache = new OfflineCache(file, db);
      cache.#dropOrphans();
      return cache;
    } catch (error) {
      throw cacheError(error, `Cannot open the offline copy ${file}`);
    }
  }

  /** Where this process downloads its `n`th book snapshot before {@link importSnapshot}. */
  snapshotFile(n: number): string {
    return `${this.file}${SNAPSHOT_SUFFIX}${process.pid}.${n}`;
  }

  /** SQLite's integrity check of the file: `ok` when sound. */
  integrity(): string {
    return this.#db.pragma('integrity_check', { simple: true }) as string;
  }

  close(): void {
    if (!this.#db.open) return;
    try {
      this.restoreIndexes();
      this.commit();
    } finally {
      // Should that fail (disk full), the file stays consistent; a later process builds them.
      this.#db.close();
    }
  }

  /**
   * Drops the {@link DEFERRABLE_INDEXES} until {@link restoreIndexes}, for a first sync,
   * and pauses merging the search index's segments. Their definitions are kept in the file
   * in the same transaction, with this process's id: should it die meanwhile, the next
   * open builds them. A lookup or search here builds them first; another process reads
   * the copies without them.
   */
  deferIndexes(): void {
    if (this.#deferred) return;
    try {
      this.commit();
      this.#db.transaction(() => {
        for (const name of DEFERRABLE_INDEXES) {
          const sql = this.#db
            .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?")
            .pluck()
            .get(name) as string | undefined;
          if (sql === undefined) continue;
          this.#db
            .prepare('INSERT INTO client_deferred_indexes (name, sql, pid) VALUES (?, ?, ?)')
            .run(name, sql, process.pid);
          this.#db.exec(`DROP INDEX ${name}`);
          this.#deferred = true;
        }
        // Merging the search index's segments as it grows (FTS5's automerge) is a third of
        // its cost in a full copy; its crisis merges still bound the segments meanwhile.
        // Stored in the file: the build of the indexes resumes it, whoever builds them.
        if (this.#deferred) this.#contacts.pauseIndexMerging(true);
      })();
      if (this.#deferred) this.#journal('rollback');
    } catch (error) {
      throw cacheError(error, 'Cannot prepare the offline copy for a full copy');
    }
  }

  /**
   * Builds the indexes {@link deferIndexes} dropped (one transaction; at once if none) and
   * resumes merging the search index.
   */
  restoreIndexes(): void {
    if (!this.#deferred) return;
    try {
      this.commit();
      buildDeferredIndexes(this.#db);
      this.#deferred = false;
      this.#journal('wal');
    } catch (error) {
      throw cacheError(error, 'Cannot build the indexes of the offline copy');
    }
  }

  /**
   * The journal a first copy fills with, and the one of every other time. A write-ahead
   * log writes each page twice (into the log, then into the file), which is most of a
   * commit of a full copy's new pages; a rollback journal keeps only the pages a
   * transaction changes that were there before it, so new pages are written once (at
   * 1,000,000 contacts from snapshots: 18.6 s instead of 24.6 s for the copy and its
   * indexes). Meanwhile another process opening the cache keeps that journal (see
   * `journalMayWait`), and its reads wait while this one commits or spills pages (on a
   * first sync there are no copies for it to read yet); SYNCHRONOUS FULL keeps a power cut
   * from damaging the file in that mode. Another process holding the file when the copy
   * starts makes the switch fail: the copy then fills with the log, as always.
   */
  #journal(mode: 'rollback' | 'wal'): void {
    try {
      if (mode === 'rollback') {
        this.#db.pragma('synchronous = FULL');
        this.#db.pragma('journal_mode = DELETE');
      } else {
        this.#db.pragma('journal_mode = WAL');
        this.#db.pragma('synchronous = NORMAL');
      }
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY') throw error;
    }
  }

  /** Whether any book has a complete copy here. */
  hasCopies(): boolean {
    return (
      this.#db.prepare('SELECT 1 FROM client_books WHERE local_id IS NOT NULL LIMIT 1').get() !==
      undefined
    );
  }

  /** Contacts in the complete copies here (not counting copies still filling). */
  copiedContacts(): number {
    return this.#db
      .prepare(
        `SELECT coalesce(sum(p.contact_count), 0) FROM client_books b
         JOIN phonebooks p ON p.id = b.local_id`,
      )
      .pluck()
      .get() as number;
  }

  /** Books with a copy here (complete or still filling). */
  books(): CachedBook[] {
    const rows = this.#db
      .prepare('SELECT * FROM client_books ORDER BY name')
      .all() as CachedBookRow[];
    return rows.map((row) => ({
      name: row.name,
      contactCount: row.local_id === null ? 0 : this.#contacts.count(row.local_id),
      syncedAt: row.synced_at,
    }));
  }

  /** The `since` to send for a book's next page: the staging copy's, else the copy's. */
  since(name: string): string | undefined {
    const row = this.#row(name);
    if (!row) return undefined;
    return (row.staging_id !== null ? row.staging_token : row.token) ?? undefined;
  }

  /** Whether a full copy of the book is being filled (first sync or reset, not finished). */
  filling(name: string): boolean {
    const row = this.#row(name);
    return row === undefined || row.staging_id !== null || row.local_id === null;
  }

  /** The location settings the copies are indexed with. */
  location(): LocationSettings {
    return this.#location.get();
  }

  /**
   * Takes the server's location settings; when they differ, every stored number is
   * re-keyed (as the server does), so offline lookups read numbers as the server does.
   */
  async setLocation(location: LocationSettings): Promise<void> {
    if (sameLocation(this.#location.get(), location)) return;
    try {
      this.commit();
      await this.#location.set(location);
    } catch (error) {
      throw cacheError(error, 'Cannot store the location settings in the offline copy');
    }
  }

  /**
   * Applies one page of a book's change feed and its token in one transaction. A page
   * with `reset` starts a new full copy beside the old one; the last page of a full copy
   * (`more: false`) makes it the book's copy. A prepared page's rows are stored as they
   * are when the server derived them with the copy's location settings, else derived here.
   * The pages of a full copy are committed {@link FILL_COMMIT_PAGES} at a time and at its
   * last page; {@link commit} commits the ones applied so far (a sync that stops early).
   * @throws ClientError CACHE_WRITE_FAILED (read-only, disk full); the pages not committed
   *   yet are undone with it, and the copy stays as it was after the last commit.
   */
  applyPage(name: string, page: ChangePage | PreparedChangePage): void {
    // Derived before the transaction: it holds the write lock for the store work only.
    this.applyContacts(name, page, this.contactsOf(page));
  }

  /** A page's contacts made ready for {@link applyContacts}, keyed with the copy's location. */
  contactsOf(page: ChangePage | PreparedChangePage): DatedContact[] {
    return pageContacts(page, this.#location.normalizer);
  }

  /**
   * {@link applyPage} for a page whose contacts were made ready for the store already
   * (by {@link pageContacts}, on a reader thread), with the copy's location settings.
   */
  applyContacts(name: string, page: PageHead, prepared: readonly DatedContact[]): void {
    const now = new Date().toISOString();
    let promoted = false;
    if (page.reset && !this.#deferred) this.#setPageCache(FILL_CACHE_KIB);
    const fillGoesOn = page.more && (page.reset || this.#row(name)?.staging_id != null);
    try {
      // A page inside the open transaction of a full copy is a savepoint of it.
      if (fillGoesOn && !this.#db.inTransaction) this.#db.exec('BEGIN IMMEDIATE');
      this.#db.transaction(() => {
        let row = this.#bookRow(name);
        if (page.reset) row = { ...row, staging_id: this.#newStaging(row, name, now) };
        const target = row.staging_id ?? row.local_id;
        if (target === null) {
          throw new ClientError(
            'CHANGE_FEED_INVALID',
            `Changes of ${name} came before its full copy`,
          );
        }
        if (row.staging_id === null) this.#contacts.putManyDated(target, prepared);
        else this.#contacts.fillDated(target, prepared);
        for (const id of page.deletes) this.#contacts.delete(target, id);
        if (row.staging_id === null) {
          this.#setRow(name, { token: page.token, synced_at: page.more ? row.synced_at : now });
        } else if (page.more) {
          this.#setRow(name, { staging_id: row.staging_id, staging_token: page.token });
        } else {
          this.#promote(name, row, row.staging_id, page.token, now);
          promoted = true;
        }
      })();
      if (this.#db.inTransaction) {
        this.#uncommittedPages++;
        if (!fillGoesOn || this.#uncommittedPages >= FILL_COMMIT_PAGES) this.commit();
      }
    } catch (error) {
      this.#rollback();
      this.#refreshBooks();
      throw cacheError(error, `Cannot store the changes of ${name} in the offline copy`);
    }
    if (promoted) this.#setPageCache(READ_CACHE_KIB);
    if (promoted || page.reset) this.#refreshBooks();
    if (promoted) this.#dropOrphans();
  }

  /**
   * Makes a book snapshot file (see `store/book-snapshot.ts`) the book's copy, in one
   * transaction: the old copy (and any full copy still filling) stays until it commits, and
   * a process killed meanwhile leaves the copy as it was. The file is checked first.
   * @returns the contacts copied, or undefined when the snapshot's numbers were keyed with
   *   other location settings than the copy's (read the change feed instead).
   * @throws ClientError CHANGE_FEED_INVALID (not a usable snapshot: nothing changed), or
   *   CACHE_WRITE_FAILED.
   */
  importSnapshot(name: string, file: string): number | undefined {
    const unusable = (problem: string, cause?: unknown): ClientError =>
      new ClientError(
        'CHANGE_FEED_INVALID',
        `The server sent an unusable snapshot of ${name} (${problem}); the offline copy is unchanged`,
        cause === undefined ? undefined : { cause },
      );
    // What SQLite says of the file's content (not a database, damaged, rows the store's
    // keys refuse) is the snapshot's fault; anything else is the cache's.
    const fromFile = (error: unknown): unknown =>
      isDamaged(error) || String((error as { code?: unknown }).code).startsWith('SQLITE_CONSTRAINT')
        ? unusable((error as Error).message, error)
        : error;
    try {
      this.commit();
      this.#db.prepare('ATTACH ? AS snapshot').run(file);
    } catch (error) {
      throw cacheError(fromFile(error), `Cannot open the snapshot of ${name}`);
    }
    let copied: number | undefined;
    try {
      let checked: ReturnType<typeof checkSnapshot>;
      try {
        checked = checkSnapshot(this.#db);
      } catch (error) {
        throw fromFile(error);
      }
      if ('problem' in checked) throw unusable(checked.problem);
      const { meta } = checked;
      if (!sameLocation(meta.location, this.#location.get())) return undefined;
      if (!this.#deferred) this.#setPageCache(FILL_CACHE_KIB);
      const now = new Date().toISOString();
      this.#db
        .transaction(() => {
          const row = this.#bookRow(name);
          const copy = this.#newStaging(row, name, now);
          // Into a search index with other copies in it: merged later, not while it grows.
          if (!this.#deferred) setIndexMerging(this.#db, true);
          let seq: number;
          try {
            seq = copySnapshot(this.#db, copy);
          } catch (error) {
            throw fromFile(error);
          }
          this.#db
            .prepare('UPDATE phonebooks SET seq = ?, contact_count = ? WHERE id = ?')
            .run(seq, meta.contacts, copy);
          this.#promote(name, row, copy, meta.token, now);
          if (!this.#deferred) setIndexMerging(this.#db, false);
        })
        .immediate();
      copied = meta.contacts;
    } catch (error) {
      throw cacheError(error, `Cannot store the snapshot of ${name} in the offline copy`);
    } finally {
      this.#db.exec('DETACH snapshot');
      this.#setPageCache(READ_CACHE_KIB);
      this.#refreshBooks();
    }
    this.#dropOrphans();
    return copied;
  }

  /**
   * Commits the pages of a full copy applied since the last commit (each came with its
   * token, so they are a consistent state to go on from).
   * @throws ClientError CACHE_WRITE_FAILED; the uncommitted pages are undone then.
   */
  commit(): void {
    if (!this.#db.inTransaction) return;
    try {
      this.#db.exec('COMMIT');
      this.#uncommittedPages = 0;
    } catch (error) {
      this.#rollback();
      throw cacheError(error, 'Cannot store the changes in the offline copy');
    }
  }

  #rollback(): void {
    if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
    this.#uncommittedPages = 0;
  }

  /** Deletes a book's copy (offline or read right withdrawn, book gone). */
  drop(name: string): void {
    const row = this.#row(name);
    if (!row) return;
    try {
      this.commit();
      // The dropped contacts are overwritten, not merely left in free pages. Only here: on
      // every write it would also zero each page the search index frees while it grows.
      this.#db.pragma('secure_delete = ON');
      this.#db.transaction(() => {
        if (row.local_id !== null) this.#dropLocal(row.local_id);
        if (row.staging_id !== null) this.#dropLocal(row.staging_id);
        this.#db.prepare('DELETE FROM client_books WHERE name = ?').run(name);
      })();
      // Moves the overwritten pages out of the write-ahead log into the file, then empties it.
      this.#db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (error) {
      throw cacheError(error, `Cannot delete the offline copy of ${name}`);
    } finally {
      this.#db.pragma('secure_delete = OFF');
      this.#refreshBooks();
    }
  }

  /** Keeps the copies of `names` only; returns the names of the copies deleted. */
  keepOnly(names: readonly string[]): string[] {
    const keep = new Set(names);
    const dropped = this.books()
      .map((book) => book.name)
      .filter((name) => !keep.has(name));
    for (const name of dropped) this.drop(name);
    return dropped;
  }

  /** Caller lookup on the copies, ranked as the server ranks. */
  lookup(number: string): LookupAnswer {
    this.restoreIndexes();
    return { ...this.#lookup.lookup(LOCAL, number), offline: true };
  }

  /** Search over the copies, ranked as the server ranks. */
  search(q: string, limit: number, offset = 0): SearchAnswer {
    this.restoreIndexes();
    return { ...this.#search.search(LOCAL, q, limit, offset), offline: true };
  }

  /** One contact of a copy (no ETag: change it online); undefined when not in the copy. */
  contact(book: string, id: string): (Contact & { offline: true }) | undefined {
    const record = this.#books.byName(book);
    const stored = record && this.#contacts.get(record.id, id);
    if (!record || !stored) return undefined;
    return {
      id: stored.id,
      ...stored.data,
      displayName: stored.displayName,
      phonebook: record.name,
      etag: '',
      updatedAt: stored.updatedAt,
      normalized: this.#contacts.normalizedNumbers(stored.rowid),
      offline: true,
    };
  }

  /** Sets SQLite's page cache of this connection (KiB); shrinking it frees the memory. */
  #setPageCache(kib: number): void {
    if (this.#db.open) this.#db.pragma(`cache_size = -${kib}`);
  }

  #row(name: string): CachedBookRow | undefined {
    return this.#db.prepare('SELECT * FROM client_books WHERE name = ?').get(name) as
      CachedBookRow | undefined;
  }

  /** The book's row, added (with no copy yet) when missing. */
  #bookRow(name: string): CachedBookRow {
    const row = this.#row(name);
    if (row) return row;
    this.#db.prepare('INSERT INTO client_books (name) VALUES (?)').run(name);
    return this.#row(name) as CachedBookRow;
  }

  #setRow(name: string, values: Partial<Omit<CachedBookRow, 'name'>>): void {
    const keys = Object.keys(values);
    this.#db
      .prepare(
        `UPDATE client_books SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE name = @name`,
      )
      .run({ ...values, name });
  }

  /**
   * A new hidden book for a full copy of `name` to fill (replacing one still filling); its id.
   */
  #newStaging(row: CachedBookRow, name: string, now: string): number {
    if (row.staging_id !== null) this.#dropLocal(row.staging_id);
    const staging = this.#books.insert(`\u0000staging ${name} ${now}`, 'builtin', BOOK_CONFIG, now);
    this.#db.prepare("UPDATE phonebooks SET state = 'staging' WHERE id = ?").run(staging.id);
    return staging.id;
  }

  /**
   * The complete full copy `stagingId` takes the book's name, at `token`; the old copy is
   * hidden, to be dropped.
   */
  #promote(name: string, row: CachedBookRow, stagingId: number, token: string, now: string): void {
    if (row.local_id !== null) {
      this.#db
        .prepare("UPDATE phonebooks SET name = ?, state = 'retired' WHERE id = ?")
        .run(`\u0000retired ${row.local_id}`, row.local_id);
    }
    this.#db
      .prepare("UPDATE phonebooks SET name = ?, state = 'active' WHERE id = ?")
      .run(name, stagingId);
    this.#setRow(name, {
      local_id: stagingId,
      token,
      staging_id: null,
      staging_token: null,
      synced_at: now,
    });
  }

  #dropLocal(bookId: number): void {
    this.#contacts.deleteBook(bookId);
    this.#db.prepare('DELETE FROM tombstones WHERE book_id = ?').run(bookId);
    this.#db.prepare('DELETE FROM phonebooks WHERE id = ?').run(bookId);
  }

  /** Drops local books no copy refers to (replaced copies, staging of a dropped book). */
  #dropOrphans(): void {
    const orphans = this.#db
      .prepare(
        `SELECT id FROM phonebooks WHERE id NOT IN
           (SELECT local_id FROM client_books WHERE local_id IS NOT NULL
            UNION SELECT staging_id FROM client_books WHERE staging_id IS NOT NULL)`,
      )
      .pluck()
      .all() as number[];
    if (orphans.length === 0) return;
    this.#db.transaction(() => {
      for (const id of orphans) this.#dropLocal(id);
    })();
    this.#refreshBooks();
  }

  /** The book registry caches names: rebuilt after the books changed under it. */
  #refreshBooks(): void {
    this.#books = new PhonebookStore(this.#db);
    this.#lookup = new CallerLookup(this.#index, this.#access, this.#books, this.#location);
    this.#search = new SearchService(this.#searchIndex, this.#contacts, this.#books, this.#access);
  }
}

/** SQLite's word that a file is no database, or a damaged one. */
function isDamaged(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    code === 'SQLITE_NOTADB' || (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT'))
  );
}

/** Snapshots downloaded by processes that died before they were stored: of no use now. */
function removeStaleSnapshots(file: string): void {
  const prefix = `${basename(file)}${SNAPSHOT_SUFFIX}`;
  for (const name of readdirSync(dirname(file))) {
    const pid = Number.parseInt(name.slice(prefix.length), 10);
    if (name.startsWith(prefix) && !(pid > 0 && isAlive(pid))) {
      rmSync(join(dirname(file), name), { force: true });
    }
  }
}

/** The processes that dropped indexes of the file for a full copy (none: none dropped). */
function deferredBy(db: SqliteDatabase): number[] {
  return db.prepare('SELECT DISTINCT pid FROM client_deferred_indexes').pluck().all() as number[];
}

/** Whether a process of this machine runs (the cache is in a local working directory). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

/** Builds the indexes `deferIndexes` dropped, if any, and resumes merging, in one transaction. */
function buildDeferredIndexes(db: SqliteDatabase): void {
  const deferred = db.prepare('SELECT sql FROM client_deferred_indexes').pluck().all() as string[];
  if (deferred.length === 0) return;
  db.transaction(() => {
    for (const sql of deferred) db.exec(sql);
    db.exec('DELETE FROM client_deferred_indexes');
    setIndexMerging(db, false);
  })();
}

/** SQLite's and the file system's refusals, said plainly; other errors pass unchanged. */
export function cacheError(error: unknown, what: string): unknown {
  if (error instanceof ClientError) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return error;
  const reasons: Record<string, string> = {
    SQLITE_FULL: 'the disk (or the configured size limit) is full',
    SQLITE_BUSY: 'another process is writing a first copy into it; try again once it is done',
    SQLITE_READONLY: 'the working directory or file is read-only',
    SQLITE_CANTOPEN: 'the file cannot be opened',
    SQLITE_IOERR: 'the disk reported an I/O error',
    EACCES: 'permission denied',
    EROFS: 'the file system is read-only',
    ENOSPC: 'the disk is full',
  };
  const reason = Object.entries(reasons).find(([prefix]) => code.startsWith(prefix))?.[1];
  if (!reason) return error;
  return new ClientError(
    'CACHE_WRITE_FAILED',
    `${what}: ${reason}; the previous copy is unchanged`,
    { cause: error },
  );
}
