/**
 * Entry of a sync's child process (see `SyncWorkers`), for the kinds whose sources use
 * the `odbc` addon, which cannot run on a worker thread while the server's main thread
 * uses it too: the job arrives as the first message, runs with {@link hostSyncJob}, and
 * every message goes over the IPC channel. The process ends with its job, and at once
 * when the server goes away (the channel closes), leaving the staging copy to be dropped.
 */
import type { SyncJob } from './sync-job.js';
import { hostSyncJob } from './sync-job-host.js';
import type { FromMain, FromWorker } from './worker-messages.js';

/** What the server sends its sync process first. */
export interface ToSyncProcess {
  type: 'job';
  job: SyncJob;
}

const send = process.send?.bind(process);
if (!send) throw new Error('sync-process runs as a child process with an IPC channel only');
let finished = false;
process.on('disconnect', () => {
  if (!finished) process.exit(1);
});
// The server stops this process itself (Ctrl-C and a service stop signal the whole group):
// a sync it stops is interrupted, one that dies by itself has failed.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => undefined);
const next = <T>(): Promise<T> => new Promise((resolve) => process.once('message', resolve));

const { job } = await next<ToSyncProcess>();
let sent: Promise<void> = Promise.resolve();
const post = (message: FromWorker): void => {
  // Messages leave in order; the last one's callback says every one is out.
  sent = new Promise((resolve) => send(message, undefined, {}, () => resolve()));
};
await hostSyncJob(job, post, next<FromMain>());
await sent;
finished = true;
process.exit(0);
