/**
 * Worker thread for `--prepare-in-worker`: generates and prepares batches of contacts
 * (normalising numbers, deriving search text) while the main thread writes the previous
 * batch, to measure what a pipelined bulk import gains on a second core.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LocationSettings } from '../src/domain/phone-number.js';
import { createNumberNormalizer } from '../src/domain/phone-number.js';
import type { PreparedContact } from '../src/store/contact-rows.js';
import { prepareContact } from '../src/store/contact-rows.js';
import { contactAt } from './generate.js';

export interface PrepareWorkerData {
  seed: number;
  contacts: number;
  location: LocationSettings;
}

export interface PrepareRequest {
  from: number;
  to: number;
}

export interface PrepareReply {
  from: number;
  prepared: PreparedContact[];
  /** Wall time the worker spent generating and preparing the batch, microseconds. */
  generateMicros: number;
  prepareMicros: number;
}

const data = workerData as PrepareWorkerData;
const normalizer = createNumberNormalizer(data.location);

parentPort?.on('message', ({ from, to }: PrepareRequest) => {
  // Wall time: in a worker, process.cpuUsage() covers every thread of the process.
  const start = process.hrtime.bigint();
  const generated = [];
  for (let i = from; i < to; i++) generated.push(contactAt(data.seed, data.contacts, i));
  const prepareStart = process.hrtime.bigint();
  const prepared = generated.map((c) => prepareContact(c.id, c.data, normalizer));
  const reply: PrepareReply = {
    from,
    prepared,
    generateMicros: Number(prepareStart - start) / 1000,
    prepareMicros: Number(process.hrtime.bigint() - prepareStart) / 1000,
  };
  parentPort?.postMessage(reply);
});
