import { execFileSync } from 'node:child_process';
import { ContactStore } from '../store/contact-store.js';
import { openDatabase } from '../store/database.js';
import type { SyncJob } from './sync-job.js';
import { runSyncJob } from './sync-job.js';
import { DiffThread } from './diff-writer.js';
import { StagingThread } from './staging-writer.js';
import type { FromMain, FromWorker } from './worker-messages.js';
import { serializeError } from './worker-messages.js';

/**
 * Runs one {@link SyncJob} on a connection of its own to the store, for a sync's worker
 * thread (`sync-worker.ts`) or child process (`sync-process.ts`), so that reading,
 * preparing and writing a large copy never holds the server's main thread. After a
 * rebuild it waits for the main thread to promote the staging copy (`answer`), then
 * drops the replaced copy. Never throws: a failure is posted.
 */
export async function hostSyncJob(
  job: SyncJob,
  post: (message: FromWorker) => void,
  answer: Promise<FromMain>,
): Promise<void> {
  const db = openDatabase(job.storeFile, { synchronous: job.synchronous });
  // A diff's one transaction dirties pages all over a large store; copying them from the
  // WAL into the file (the automatic checkpoint at its commit, 0.4–0.9 s at 1,000,000
  // contacts) is left until the result is posted: readers see the new copy from the commit
  // on; a diff's writer thread (`DiffThread`) does not checkpoint either. (A rebuild's drop
  // of the old copy commits a chunk at a time and checkpoints as usual.)
  if (job.mode === 'diff') db.pragma('wal_autocheckpoint = 0');
  try {
    // Constructing a ContactStore resumes index merging; the main thread paused it for the sync.
    const contacts = new ContactStore(db);
    contacts.pauseIndexMerging(true);
    const progress = (done: number, phase: string): void => post({ type: 'progress', done, phase });
    const result = await runSyncJob(job, contacts, progress, {
      // A rebuild writes on a second thread while this one reads and prepares.
      staging: ({ storeFile, synchronous, now }, stagingId) =>
        new StagingThread({ storeFile, synchronous, stagingId, now }),
      // A large diff is written on a second thread while this one reads on.
      diff: ({ storeFile, synchronous, now, book }, listSeq) =>
        new DiffThread({ storeFile, synchronous, bookId: book.id, now, listSeq }),
    });
    if (job.mode === 'rebuild') {
      post({ type: 'staged', result });
      if ((await answer).type === 'promoted') {
        await contacts.dropInChunks(job.book.id);
        post({ type: 'dropped' });
      }
    } else post({ type: 'done', result });
  } catch (error) {
    post({ type: 'failed', error: serializeError(error) });
  } finally {
    // The main thread's connection does not checkpoint until this worker is gone (see
    // `SyncCache.holdCheckpoints`), so the copy is made here, off the main thread.
    if (job.mode === 'diff') {
      try {
        const [{ checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)') as [
          { checkpointed: number },
        ];
        // Most of the pages the checkpoint copied were still on their way to the disk when
        // it returned, and the next fsync of the store, the main thread's first commit
        // afterwards, waited for them (0.22-0.30 s after 10,000 changes in 1,000,000
        // contacts, measured): waiting for them here, still holding that thread's
        // checkpoints, keeps that wait off the main thread. (Nothing copied: no wait.)
        if (checkpointed > 0) flush(job.storeFile);
      } catch {
        // Busy or closing: the next commit's automatic checkpoint does it.
      }
    }
    db.close();
  }
}

/**
 * Waits until the file's written pages are on the disk, with `sync --data` in a process of
 * its own: closing a descriptor of the store file here would drop SQLite's POSIX locks on
 * it for the whole process.
 */
function flush(file: string): void {
  execFileSync('sync', ['--data', file], { stdio: 'ignore', timeout: 30_000 });
}
