import type { Contact } from '../domain/contact.js';
import { CtibookError } from '../domain/errors.js';
import { checkNotesMode, memoColumnOf } from '../domain/notes-mode.js';
import type { CacheSettings, NotesMode, PhonebookKind } from '../domain/phonebook.js';
import type { Mapping } from '../sources/mapping.js';
import { proposeMapping, validateMapping } from '../sources/mapping.js';
import { createConnector, parseSourceConfig, redactSource } from '../sources/registry.js';
import type { SkippedRow, SourceConnector } from '../sources/source-connector.js';
import type { SourceFileRules } from '../sources/source-file.js';
import type { PhonebookRecord } from '../store/phonebook-store.js';
import { pullContacts } from '../sync/pull.js';
import type { SyncEngine } from '../sync/sync-engine.js';
import type { SyncReport } from '../sync/sync-report.js';
import type { LocationService } from './location-service.js';
import type { PhonebookService } from './phonebook-service.js';

export interface ExternalBookInput {
  name: string;
  kind: PhonebookKind;
  source: Record<string, unknown>;
  mapping?: Mapping;
  cache?: CacheSettings;
  readOnly?: boolean;
  notes?: NotesMode;
}

/** What the admin sees before saving a book: columns, mapping, the first records. */
export interface Preview {
  columns: string[];
  mapping: Mapping;
  records: (Partial<Contact> & { id: string })[];
  skipped: SkippedRow[];
}

const PREVIEW_ROWS = 20;

/**
 * External books (CSV, ODBC, LDAP, Access, OLE DB): checking their settings against the
 * real source, proposing a field mapping, previews, and the "Update" button.
 */
export class ExternalBooks {
  readonly #books: PhonebookService;
  readonly #engine: SyncEngine;
  readonly #location: LocationService;
  readonly #files: SourceFileRules;

  /** `files`: which files the server lets file sources open (previews and checks alike). */
  constructor(
    books: PhonebookService,
    engine: SyncEngine,
    location: LocationService,
    files: SourceFileRules = {},
  ) {
    this.#books = books;
    this.#engine = engine;
    this.#location = location;
    this.#files = files;
  }

  /** Connects to the source and shows its columns, the mapping and the first records. */
  async preview(
    kind: string,
    source: unknown,
    mapping?: Mapping,
    rows = PREVIEW_ROWS,
  ): Promise<Preview> {
    const config = parseSourceConfig(kind, source);
    return this.#withConnector(kind, config, async (connector) => {
      const columns = await connector.columns();
      const chosen = mapping ? validateMapping(mapping, columns) : proposeMapping(columns);
      const skipped: SkippedRow[] = [];
      const records: Preview['records'] = [];
      for await (const contact of pullContacts({
        connector,
        mapping: chosen,
        normalizer: this.#location.normalizer,
        skip: (row) => skipped.push(row),
      })) {
        records.push({ id: contact.id, displayName: contact.displayName, ...contact.data });
        if (records.length >= rows) break;
      }
      return { columns, mapping: chosen, records, skipped };
    });
  }

  /**
   * Creates a book on a source that answers, with a checked mapping (and memo column), and
   * starts its first sync. Without `readOnly` the kind's default applies; an ODBC table
   * whose connector cannot write (no id column) is read-only.
   */
  async create(input: ExternalBookInput): Promise<PhonebookRecord> {
    const source = parseSourceConfig(input.kind, input.source) as Record<string, unknown>;
    if (input.notes !== undefined) checkNotesMode(input.kind, input.notes, source);
    const memoColumn = input.notes === undefined ? undefined : memoColumnOf(input.notes);
    // The ODBC connector checks that a memo column exists and holds text.
    const probe = memoColumn === undefined ? source : { ...source, memoColumn };
    const mapping = await this.#withConnector(input.kind, probe, async (connector) => {
      const columns = await connector.columns();
      return input.mapping ? validateMapping(input.mapping, columns) : proposeMapping(columns);
    });
    const canWrite = createConnector(input.kind, source, true, this.#files).capabilities.write;
    const readOnly = input.readOnly ?? (canWrite ? undefined : true);
    const book = this.#books.create({
      ...input,
      source,
      mapping,
      ...(readOnly !== undefined ? { readOnly } : {}),
    });
    this.#engine.sync(book).catch(() => undefined); // its state shows the outcome
    return book;
  }

  /** Changes source, mapping or cache settings; a changed source or mapping re-reads the book. */
  async update(
    name: string,
    patch: { source?: Record<string, unknown>; mapping?: Mapping; cache?: CacheSettings },
  ): Promise<void> {
    const book = this.#books.require(name);
    const source = patch.source
      ? (parseSourceConfig(book.kind, patch.source) as Record<string, unknown>)
      : book.config.source;
    let mapping = patch.mapping;
    if (patch.source || patch.mapping) {
      mapping = await this.#withConnector(book.kind, source, async (connector) => {
        const columns = await connector.columns();
        return validateMapping(
          patch.mapping ?? book.config.mapping ?? proposeMapping(columns),
          columns,
        );
      });
    }
    const updated = this.#books.update(book.name, {
      ...(patch.source && source ? { source } : {}),
      ...(mapping ? { mapping } : {}),
      ...(patch.cache ? { cache: patch.cache } : {}),
    });
    if (patch.source || patch.mapping) this.#engine.sync(updated).catch(() => undefined);
  }

  /** The "Update" button: syncs now; with `wait`, resolves with the report. */
  async sync(name: string, wait: boolean): Promise<SyncReport | undefined> {
    const book = this.#books.require(name);
    if (book.kind === 'builtin' || book.kind === 'local-numbers') {
      throw new CtibookError(
        'CONFLICT',
        `${book.name} is a ${book.kind} book: it has no source to sync`,
      );
    }
    const running = this.#engine.sync(book);
    if (!wait) {
      running.catch(() => undefined);
      return undefined;
    }
    return running;
  }

  /** The book's source settings with secrets masked, for the admin. */
  redactedSource(book: PhonebookRecord): unknown {
    return book.config.source ? redactSource(book.kind, book.config.source) : undefined;
  }

  async #withConnector<T>(
    kind: string,
    config: unknown,
    work: (c: SourceConnector) => Promise<T>,
  ): Promise<T> {
    const connector = createConnector(kind, config, false, this.#files);
    try {
      await connector.open();
      return await work(connector);
    } finally {
      await connector.close();
    }
  }
}
