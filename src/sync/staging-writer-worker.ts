/**
 * Entry of a rebuild's staging writer thread (see `StagingThread`), started by the sync
 * worker: writes the rows it is sent into the staging book on its own store connection,
 * in transactions of about {@link WRITE_TARGET_MS} (only other writers wait for one:
 * readers keep reading the old copy), and says how many rows each one committed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WritableContact } from '../store/contact-rows.js';
import { ContactStore } from '../store/contact-store.js';
import { openDatabase } from '../store/database.js';
import { SpacedCheckpoints } from './spaced-checkpoints.js';
import { WriteChunks } from './write-chunks.js';
import { decodeBatch } from './staging-batch.js';
import type { FromStagingWriter, StagingWriterData, ToStagingWriter } from './staging-writer.js';
import { MAX_ROWS_IN_FLIGHT } from './staging-writer.js';
import { serializeError } from './worker-messages.js';

/**
 * What one transaction should take. Each commit writes every index page it touched to the
 * WAL (and the checkpoint again to the file): with a million rows the random keys of
 * `contacts_name_key` and `phones_canonical` put nearly every insert of a small
 * transaction on a page of its own, so larger ones are much cheaper per row (measured at
 * 1,000,000 rows, write CPU: 8,000 rows a transaction 40 s, 20,000 rows 31 s). Only other
 * writers wait for one (5 s before giving up); readers go on reading the old copy.
 */
export const WRITE_TARGET_MS = 500;
/** Rows in one transaction at most; below `MAX_ROWS_IN_FLIGHT`, or the reader would wait. */
const MAX_ROWS = MAX_ROWS_IN_FLIGHT / 2;
/**
 * What the WAL should hold when this writer copies it into the store file (see
 * `SpacedCheckpoints`): larger saves more copying, and is what the WAL file takes on disk
 * meanwhile (and what a restart after a crash reads again).
 */
const WAL_TARGET_BYTES = 256 * 1024 * 1024;

const port = parentPort;
if (!port) throw new Error('staging-writer-worker runs as a worker thread only');
const { storeFile, synchronous, stagingId, now } = workerData as StagingWriterData;
const post = (message: FromStagingWriter): void => port.postMessage(message);

const db = openDatabase(storeFile, { synchronous });
// This writer checkpoints itself, spaced; the main thread holds its own meanwhile.
db.pragma('wal_autocheckpoint = 0');
const pageSize = db.pragma('page_size', { simple: true }) as number;
const checkpoints = new SpacedCheckpoints(() => {
  const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)') as [{ log: number }];
  return log;
}, WAL_TARGET_BYTES / pageSize);
// Constructing a ContactStore resumes index merging; the main thread paused it for the sync.
const contacts = new ContactStore(db);
contacts.pauseIndexMerging(true);
const chunks = new WriteChunks({ targetMs: WRITE_TARGET_MS, maxRows: MAX_ROWS });
let queue: WritableContact[] = [];

function writeNext(): void {
  const rows = queue.slice(0, Math.floor(chunks.size));
  queue = queue.slice(rows.length);
  chunks.timed(() => contacts.insertNew(stagingId, rows, now));
  checkpoints.committed();
  post({ type: 'written', rows: rows.length });
}

function end(message: FromStagingWriter): void {
  db.close();
  post(message);
  port?.close();
}

port.on('message', (message: ToStagingWriter) => {
  try {
    if (message.type === 'rows') {
      for (const contact of decodeBatch(message.batch)) queue.push(contact);
      while (queue.length >= chunks.size) writeNext();
    } else {
      while (queue.length > 0) writeNext();
      checkpoints.finish();
      end({ type: 'finished' });
    }
  } catch (error) {
    end({ type: 'failed', error: serializeError(error) });
  }
});
