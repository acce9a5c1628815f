/**
 * Entry of a changed-only sync's diff writer thread (see `DiffThread`), started by the sync
 * worker: opens one write transaction on its own store connection with the first rows,
 * writes the upserts as they come, then the deletions and the source's records, and
 * commits (or rolls back) when told.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { StoreDiff } from '../store/contact-store.js';
import { ContactStore } from '../store/contact-store.js';
import { openDatabase } from '../store/database.js';
import type { DiffWriterData, FromDiffWriter, ToDiffWriter } from './diff-writer.js';
import { recordListOf } from './diff-writer.js';
import { decodeBatch } from './staging-batch.js';
import { serializeError } from './worker-messages.js';

const port = parentPort;
if (!port) throw new Error('diff-writer-worker runs as a worker thread only');
const { storeFile, synchronous, bookId, now, listSeq } = workerData as DiffWriterData;
const post = (message: FromDiffWriter): void => port.postMessage(message);

const db = openDatabase(storeFile, { synchronous });
// The sync worker checkpoints once it has posted its result (see `hostSyncJob`), so the
// commit does not copy the changed pages into the file first.
db.pragma('wal_autocheckpoint = 0');
// Index merging stays as the main thread set it for the sync (paused): this thread writes
// nothing before its first rows.
const contacts = new ContactStore(db, { resumeIndexMerging: false });

let diff: StoreDiff | undefined;
let ended = false;

function end(message: FromDiffWriter): void {
  ended = true;
  diff = undefined;
  post(message);
  db.close();
  port?.close();
}

/** The diff's transaction, begun with the first rows (or the commit): the write lock waits till then. */
function opened(): StoreDiff {
  diff ??= contacts.openDiff(bookId, now, listSeq);
  return diff;
}

port.on('message', (message: ToDiffWriter) => {
  if (ended) return;
  try {
    if (message.type === 'rows') {
      const rows = decodeBatch(message.batch);
      opened().write(rows);
      post({ type: 'written', rows: rows.length });
    } else if (message.type === 'commit') {
      opened().commit(message.deletes, recordListOf(message.list));
      end({ type: 'committed' });
    } else {
      diff?.rollback();
      end({ type: 'rolled-back' });
    }
  } catch (error) {
    // A failing step rolled the transaction back (see `openDiff`).
    end({ type: 'failed', error: serializeError(error) });
  }
});
