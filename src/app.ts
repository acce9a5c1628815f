import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { AccessOptions } from './access/access-service.js';
import { AccessService, DEFAULT_ACCESS_OPTIONS } from './access/access-service.js';
import { AccessStore } from './access/access-store.js';
import { CallerLookup } from './directory/caller-lookup.js';
import { ContactService } from './directory/contact-service.js';
import { EventBus } from './directory/events.js';
import { ExternalBooks } from './directory/external-books.js';
import { ExternalContacts } from './directory/external-contacts.js';
import { syncLocalNumbers } from './directory/local-numbers.js';
import { LocationService } from './directory/location-service.js';
import { PhonebookService } from './directory/phonebook-service.js';
import { SearchService } from './directory/search-service.js';
import { SourceConnections } from './directory/source-connections.js';
import { MemoColumnNotes } from './notes/memo-column-notes.js';
import { NoteService } from './notes/note-service.js';
import { NoteStore } from './notes/note-store.js';
import { ServerNoteFiles } from './notes/server-note-files.js';
import type { SourceFileRules } from './sources/source-file.js';
import { ContactSearch } from './store/contact-search.js';
import { ContactStore } from './store/contact-store.js';
import type { SqliteDatabase } from './store/database.js';
import { openDatabase } from './store/database.js';
import { writeFileAtomic } from './store/folder-config.js';
import { Home } from './store/home.js';
import { HomeLock } from './store/home-lock.js';
import { SyncHistoryStore } from './store/sync-history.js';
import { SyncCache } from './store/sync-cache.js';
import { BookSnapshots } from './store/book-snapshots.js';
import { ChangeFeed } from './store/change-feed.js';
import { SyncEngine } from './sync/sync-engine.js';
import { NumberIndex } from './store/number-index.js';
import { PhonebookStore, SettingsStore } from './store/phonebook-store.js';

export interface CtibookOptions {
  home: string;
  /** Password of the first admin; random (and written to the home) when absent. */
  adminPassword?: string;
  access?: Partial<AccessOptions>;
  logger: Logger;
  now?: () => Date;
  synchronous?: 'FULL' | 'NORMAL';
  /** Run the sync schedule (default true; tests that drive syncs themselves turn it off). */
  schedule?: boolean;
  /**
   * `CTIBOOK_SOURCE_ROOTS`: the directories file sources (CSV, Access) may use; their files
   * must lie inside one of them (symlinks resolved). Absent: any file outside the home.
   */
  sourceRoots?: readonly string[];
}

/** Everything the server is made of, wired once; the API and CLI only call into it. */
export interface Ctibook {
  home: Home;
  db: SqliteDatabase;
  logger: Logger;
  events: EventBus;
  access: AccessService;
  location: LocationService;
  phonebooks: PhonebookService;
  contacts: ContactService;
  lookup: CallerLookup;
  search: SearchService;
  notes: NoteService;
  stores: { books: PhonebookStore; contacts: ContactStore };
  startedAt: Date;
  sync: SyncEngine;
  external: ExternalBooks;
  /** The open connector of each external book, for live reads and writes. */
  connections: SourceConnections;
  changes: ChangeFeed;
  /** Book snapshots for clients' first copies. */
  snapshots: BookSnapshots;
  /** Stops the sync schedule, waits for running syncs, closes sources and the store. Safe twice. */
  close(): Promise<void>;
}

/**
 * Opens (creating on first start) the home directory and store and wires the services.
 * On the first start of an empty home it creates the admin user and the Global books.
 * @throws CtibookError CONFLICT when another server runs on the home (see `HomeLock`).
 */
export async function createCtibook(options: CtibookOptions): Promise<Ctibook> {
  const home = new Home(options.home);
  home.ensureLayout();
  // Before anything of the home is read or changed: one server per home.
  const lock = HomeLock.acquire(home);
  try {
    return await openCtibook(home, lock, options);
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function openCtibook(home: Home, lock: HomeLock, options: CtibookOptions): Promise<Ctibook> {
  const now = options.now ?? (() => new Date());
  const files = sourceFileRules(home, options);
  const db = openDatabase(home.storeFile, { synchronous: options.synchronous ?? 'FULL' });
  const events = new EventBus();
  const books = new PhonebookStore(db);
  const contactStore = new ContactStore(db);
  const noteStore = new NoteStore(db);
  const accessStore = new AccessStore(db);
  const location = new LocationService(new SettingsStore(db), contactStore, noteStore);
  const contactSearch = new ContactSearch(db, (word) => location.normalizer.queryDigits(word));
  const refreshLocalNumbers = (): void => {
    syncLocalNumbers(access.allUsers(), { books, contacts: contactStore, location, events, now });
  };
  const access = new AccessService(
    accessStore,
    { ...DEFAULT_ACCESS_OPTIONS, ...options.access },
    refreshLocalNumbers,
  );
  const syncCache = new SyncCache(books, contactStore);
  const connections = new SourceConnections({ home, files });
  const sync = new SyncEngine({
    home,
    books,
    history: new SyncHistoryStore(db),
    cache: syncCache,
    location,
    events,
    logger: options.logger,
    now,
    synchronous: options.synchronous ?? 'FULL',
    files,
    onRebuilt: () => access.invalidateRights(),
    onSynced: (book, version) => connections.synced(book, version),
  });
  const phonebooks = new PhonebookService({
    home,
    books,
    contacts: contactStore,
    notes: noteStore,
    access,
    events,
    location,
    now,
    syncStatus: (book) => sync.status(book),
    onBookChanged: (name) => void connections.release(name),
  });
  const externalContacts = new ExternalContacts({
    books: phonebooks,
    contacts: contactStore,
    location,
    events,
    connections,
    now,
    resync: (book) => void sync.sync(book).catch(() => undefined),
  });
  // A server stopped mid-sync leaves a hidden staging copy; the book's sync is redone.
  await syncCache.dropHidden();
  phonebooks.ensureGlobals();
  await ensureFirstAdmin(access, home, options, now());
  refreshLocalNumbers();
  if (options.schedule ?? true) sync.start();
  const snapshots = new BookSnapshots(home.storeFile, home.tmpDir);
  let closed = false;
  return {
    home,
    db,
    logger: options.logger,
    events,
    access,
    location,
    phonebooks,
    sync,
    external: new ExternalBooks(phonebooks, sync, location, files),
    connections,
    changes: new ChangeFeed(db),
    snapshots,
    contacts: new ContactService({
      books: phonebooks,
      contacts: contactStore,
      search: contactSearch,
      location,
      events,
      now,
      external: externalContacts,
    }),
    lookup: new CallerLookup(new NumberIndex(db), access, books, location),
    search: new SearchService(contactSearch, contactStore, books, access),
    notes: new NoteService({
      books: phonebooks,
      contacts: contactStore,
      notes: noteStore,
      location,
      now,
      server: new ServerNoteFiles((book) => home.notesDir(book.name)),
      memo: new MemoColumnNotes({
        connections,
        cacheRow: (book, row) => void externalContacts.cacheRow(book, row),
      }),
    }),
    stores: { books, contacts: contactStore },
    startedAt: now(),
    async close() {
      if (closed) return;
      closed = true;
      await sync.stop();
      await snapshots.close();
      await connections.closeAll();
      db.close();
      lock.release();
    },
  };
}

/** The rules of file sources: never the home, and with roots only inside them (logged once). */
function sourceFileRules(home: Home, options: CtibookOptions): SourceFileRules {
  if (options.sourceRoots === undefined) return Object.freeze({ home: home.root });
  const roots = Object.freeze(options.sourceRoots.map((root) => resolve(root)));
  for (const root of roots) {
    if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
      options.logger.warn(
        { code: 'SOURCE_ROOT_MISSING', root },
        'a directory of CTIBOOK_SOURCE_ROOTS does not exist (yet): no source file is found there',
      );
    }
  }
  options.logger.info(
    { code: 'SOURCE_ROOTS', roots },
    'file sources are limited to these directories',
  );
  return Object.freeze({ home: home.root, roots });
}

async function ensureFirstAdmin(
  access: AccessService,
  home: Home,
  options: CtibookOptions,
  now: Date,
): Promise<void> {
  if (access.listUsers().length > 0) return;
  const given = options.adminPassword;
  const password = given ?? randomBytes(18).toString('base64url');
  await access.createUser(
    { username: 'admin', password, admin: true, displayName: 'Administrator' },
    now.toISOString(),
  );
  if (given) {
    options.logger.info(
      { code: 'ADMIN_CREATED' },
      'Created user admin with the password from CTIBOOK_ADMIN_PASSWORD',
    );
    return;
  }
  if (!existsSync(home.initialPasswordFile))
    writeFileAtomic(home.initialPasswordFile, `${password}\n`, 0o600);
  // Printed once, on purpose: the only time this secret is shown.
  process.stdout.write(
    `\nctibook: first start. User "admin" was created with password: ${password}\n` +
      `         (also written to ${home.initialPasswordFile}, mode 0600)\n\n`,
  );
}
