// Starts a TypeScript worker thread under tsx: on Node 20 worker threads do not inherit
// tsx's loader, so the worker's module is imported through tsx's API instead.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
