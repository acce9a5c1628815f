import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts the worker module `name` of the folder of `from` (the caller's `import.meta.url`;
 * by default this folder's: `sync-worker`, `staging-writer-worker`) from compiled `dist/`
 * JS, or, when the caller runs as TypeScript (vitest, tsx, or a worker started by tsx),
 * through tsx's API: worker threads do not inherit tsx's loader on Node 20 (as
 * `bench/worker-boot.mjs` does).
 */
export function startWorker(
  name: string,
  workerData: unknown,
  from: string = import.meta.url,
): Worker {
  // tsx may add a query to a module's URL; the path tells what it was loaded from.
  if (!new URL(from).pathname.endsWith('.ts')) {
    return new Worker(new URL(`./${name}.js`, from), { workerData });
  }
  const entry = new URL(`./${name}.ts`, from).href;
  // require.resolve names tsx's CommonJS build; its ES module build sits beside it.
  const api = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const tsx = JSON.stringify(pathToFileURL(api).href);
  const url = JSON.stringify(entry);
  const boot = `import(${tsx}).then((tsx) => tsx.tsImport(${url}, ${url}))`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * Starts the module `name` of the folder of `from` as a child process with an IPC channel
 * (structured clone, as worker messages), from compiled JS or, when the caller runs as
 * TypeScript, with tsx's loader. It gets the server's environment and output, none of
 * its command-line options (a debugger or profiler flag is the server's own).
 */
export function startProcess(name: string, from: string = import.meta.url): ChildProcess {
  const typescript = new URL(from).pathname.endsWith('.ts');
  const entry = fileURLToPath(new URL(`./${name}.${typescript ? 'ts' : 'js'}`, from));
  const loader = typescript
    ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href]
    : [];
  return fork(entry, [], {
    execArgv: loader,
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}
