/**
 * A thread that writes one book snapshot (see {@link writeBookSnapshot}) and says how it
 * went: the copy of a big book takes seconds the server's main thread must not block for.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SnapshotJob, SnapshotOutcome } from './book-snapshots.js';
import { writeBookSnapshot } from './book-snapshot.js';

const job = workerData as SnapshotJob;
let outcome: SnapshotOutcome;
try {
  outcome = {
    meta: writeBookSnapshot(job.storeFile, job.bookId, job.location, job.target) ?? null,
  };
} catch (error) {
  outcome = { error: error instanceof Error ? error.message : String(error) };
}
parentPort?.postMessage(outcome);
