import { IdList } from '../domain/id-list.js';
import type { WritableContact } from '../store/contact-rows.js';
import type { StoredRecordList } from '../store/contact-store.js';
import type { StagingBatch } from './staging-batch.js';
import { encodeBatch } from './staging-batch.js';
import { MAX_ROWS_IN_FLIGHT } from './staging-writer.js';
import type { WriterFailed } from './writer-thread.js';
import { WriterThread } from './writer-thread.js';

/**
 * Where a changed-only sync's diff goes while the sync still reads: the upserts as they are
 * found, then the deletions and the source's records at the end, all of it committed at
 * once (`ContactStore.openDiff`).
 */
export interface DiffWriter {
  /** Rows the writer wants per {@link write}. */
  readonly batchSize: number;
  /** Writes (or queues) the upserts; the caller hands them over. Throws a write's failure. */
  write(rows: WritableContact[]): Promise<void>;
  /** Deletes `deletes`, settles the record list, commits; resolves once committed. */
  commit(deletes: string[], list: StoredRecordList): Promise<void>;
  /** Undoes everything written (the sync failed, or its changes were too many). */
  abort(): Promise<void>;
}

/** What a diff writer thread is started with (see `ContactStore.openDiff` for `listSeq`). */
export interface DiffWriterData {
  storeFile: string;
  synchronous: 'FULL' | 'NORMAL';
  bookId: number;
  now: string;
  listSeq: number;
}

/** A record list as it crosses threads: the ids as their text, unless they are the stored ones. */
export interface RecordListMessage {
  fingerprint: string;
  rawHashes: Uint32Array;
  contentHashes: Uint32Array;
  ids: string;
  count: number;
  sameIds: boolean;
}

export type ToDiffWriter =
  | { type: 'rows'; batch: StagingBatch }
  | { type: 'commit'; deletes: string[]; list: RecordListMessage }
  | { type: 'rollback' };

export type FromDiffWriter =
  | { type: 'written'; rows: number }
  | { type: 'committed' }
  | { type: 'rolled-back' }
  | WriterFailed;

/** Rows per message to the writer thread. */
const BATCH_ROWS = 500;
/**
 * Changes a diff finds before {@link DiffSink} starts a writer thread for them: fewer are
 * written at the end on the sync's own thread (a thread costs more than a few hundred).
 */
const DIFF_BATCH = 1000;
/** Records from which a diff's writer thread is started before the read. */
const THREAD_FROM_RECORDS = 50_000;
/**
 * Records a diff still has to read when {@link DiffSink} lets its writer thread take the
 * write lock: about a second of reading (1,000,000 records: 0.7-0.9 s measured).
 */
const LOCK_WINDOW_RECORDS = 1_000_000;

/**
 * Hands a diff to a writer thread with its own store connection (`diff-writer-worker.ts`),
 * so that writing the changes found so far (that thread) and reading and preparing the rest
 * of the source (this one) use both cores. The thread holds the store's write lock from its
 * first row to the commit; readers keep reading the old copy until then.
 */
export class DiffThread implements DiffWriter {
  readonly batchSize = BATCH_ROWS;
  readonly #thread: WriterThread<ToDiffWriter, FromDiffWriter>;
  #inFlight = 0;
  #committed = false;
  #rolledBack = false;

  constructor(data: DiffWriterData) {
    this.#thread = new WriterThread('diff-writer-worker', data, (message) => {
      if (message.type === 'written') this.#inFlight -= message.rows;
      else if (message.type === 'committed') this.#committed = true;
      else if (message.type === 'rolled-back') this.#rolledBack = true;
      if (this.#committed || this.#rolledBack) this.#thread.end();
    });
  }

  async write(rows: WritableContact[]): Promise<void> {
    this.#thread.throwIfFailed();
    if (rows.length === 0) return;
    this.#thread.post({ type: 'rows', batch: encodeBatch(rows) });
    this.#inFlight += rows.length;
    await this.#thread.until(() => this.#inFlight <= MAX_ROWS_IN_FLIGHT);
  }

  async commit(deletes: string[], list: StoredRecordList): Promise<void> {
    this.#thread.throwIfFailed();
    this.#thread.post({ type: 'commit', deletes, list: listMessage(list) });
    await this.#thread.until(() => this.#committed);
  }

  async abort(): Promise<void> {
    if (this.#committed) return;
    this.#thread.post({ type: 'rollback' });
    try {
      await this.#thread.until(() => this.#rolledBack);
    } catch {
      // A thread that failed rolled back (`openDiff` undoes a failing step); it may still run.
    }
    await this.#thread.terminate();
  }
}

/**
 * The upserts of a changed-only sync on their way to the store: kept here while they are
 * few and written at the end on the sync's own connection (`local`); once they fill a
 * batch, or from the start for a source of {@link THREAD_FROM_RECORDS} records or more
 * (the thread's start-up then overlaps the read), handed to a writer thread (`start`). The thread takes the store's
 * write lock with the first rows it gets, so they are held back until the read has at most
 * `lockWindow` records to go: other writers wait no longer than those take to read.
 */
export class DiffSink {
  readonly #start: () => DiffWriter;
  readonly #local: (upserts: WritableContact[], deletes: string[], list: StoredRecordList) => void;
  readonly #lockWindow: number;
  #writer: DiffWriter | undefined;
  #rows: WritableContact[] = [];
  #committed = false;

  constructor(options: {
    start: () => DiffWriter;
    local: (upserts: WritableContact[], deletes: string[], list: StoredRecordList) => void;
    /** Records the read is expected to hold (the last sync's). */
    records: number;
    lockWindow?: number;
  }) {
    this.#start = options.start;
    this.#local = options.local;
    this.#lockWindow = options.lockWindow ?? LOCK_WINDOW_RECORDS;
    if (options.records >= THREAD_FROM_RECORDS) this.#writer = this.#start();
  }

  /** A changed row, found with `left` records of the read still to go. */
  async add(row: WritableContact, left: number): Promise<void> {
    this.#rows.push(row);
    if (!this.#writer && this.#rows.length >= DIFF_BATCH) this.#writer = this.#start();
    if (this.#writer && left <= this.#lockWindow && this.#rows.length >= this.#writer.batchSize) {
      await this.#writer.write(this.#rows);
      this.#rows = [];
    }
  }

  /** Writes the rest with the deletions and the record list, all committed at once. */
  async commit(deletes: string[], list: StoredRecordList): Promise<void> {
    if (this.#writer) {
      await this.#writer.write(this.#rows);
      await this.#writer.commit(deletes, list);
    } else this.#local(this.#rows, deletes, list);
    this.#committed = true;
  }

  /** Undoes what a writer thread wrote, unless committed (safe in a `finally`). */
  async abort(): Promise<void> {
    if (!this.#committed) await this.#writer?.abort();
  }
}

function listMessage(list: StoredRecordList): RecordListMessage {
  const { fingerprint, rawHashes, contentHashes } = list;
  const sameIds = list.sameIds === true;
  // The stored ids are not written again (see `ContactStore.putRecordList`): not sent.
  const ids = sameIds ? '' : list.ids.text;
  const count = sameIds ? 0 : list.ids.length;
  return { fingerprint, rawHashes, contentHashes, ids, count, sameIds };
}

/** The record list of {@link listMessage} (without the ids when they are the stored ones). */
export function recordListOf(message: RecordListMessage): StoredRecordList {
  const ids = IdList.parse(message.ids, message.count);
  if (!ids) throw new Error('a record list lost its ids crossing threads');
  const { fingerprint, rawHashes, contentHashes, sameIds } = message;
  return { fingerprint, rawHashes, contentHashes, ids, sameIds };
}
