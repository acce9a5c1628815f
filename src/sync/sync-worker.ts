/**
 * Entry of a sync's worker thread (see `SyncWorkers`): runs one job with
 * {@link hostSyncJob} and talks to the main thread through its port.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SyncJob } from './sync-job.js';
import { hostSyncJob } from './sync-job-host.js';
import type { FromMain, FromWorker } from './worker-messages.js';

const port = parentPort;
if (!port) throw new Error('sync-worker runs as a worker thread only');
const { job } = workerData as { job: SyncJob };
const answer = new Promise<FromMain>((resolve) => port.once('message', resolve));
try {
  await hostSyncJob(job, (message: FromWorker) => port.postMessage(message), answer);
} finally {
  port.close();
}
