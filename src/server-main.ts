import type { FastifyInstance } from 'fastify';
import { buildServer } from './api/server.js';
import type { Ctibook } from './app.js';
import { createCtibook } from './app.js';
import { createLogger } from './logger.js';

export interface ServeOptions {
  home: string;
  port: number;
  host: string;
  adminPassword?: string;
  /** `CTIBOOK_SOURCE_ROOTS`: see `CtibookOptions.sourceRoots`. */
  sourceRoots?: string[];
}

/** Settings from the environment, as the contract names them. */
export function serveOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ServeOptions {
  return {
    home: env.CTIBOOK_HOME || './data',
    port: Number(env.CTIBOOK_PORT || 8640),
    host: env.CTIBOOK_HOST || '127.0.0.1',
    ...(env.CTIBOOK_ADMIN_PASSWORD ? { adminPassword: env.CTIBOOK_ADMIN_PASSWORD } : {}),
    ...(env.CTIBOOK_SOURCE_ROOTS ? { sourceRoots: sourceRootsOf(env.CTIBOOK_SOURCE_ROOTS) } : {}),
  };
}

/** `CTIBOOK_SOURCE_ROOTS`: directories separated by `:`, as in `PATH`; empty parts are ignored. */
export function sourceRootsOf(value: string): string[] {
  return value.split(':').filter((root) => root !== '');
}

/** Starts the server and stops it cleanly on SIGINT/SIGTERM. Resolves once listening. */
export async function serve(
  options: ServeOptions,
): Promise<{ app: Ctibook; server: FastifyInstance; stop(): Promise<void> }> {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new Error(`Port must be a number from 0 to 65535, not ${options.port}`);
  }
  const logger = createLogger();
  const app = await createCtibook({
    home: options.home,
    logger,
    ...(options.adminPassword ? { adminPassword: options.adminPassword } : {}),
    ...(options.sourceRoots ? { sourceRoots: options.sourceRoots } : {}),
  });
  const server = await buildServer(app);
  await server.listen({ port: options.port, host: options.host });
  logger.info(
    { code: 'LISTENING', home: app.home.root, url: `http://${options.host}:${options.port}` },
    'ctibook is listening',
  );
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info({ code: 'STOPPING' }, 'ctibook is stopping');
      const closed = server.close();
      // Running syncs stop first, so a request waiting for one (`…/sync?wait=true`) is
      // answered now rather than when the sync would have ended.
      await app.sync.stop();
      // A connection whose last request is answered is idle: closed then, not at the end of
      // its keep-alive (72 s).
      const idle = setInterval(() => server.server.closeIdleConnections(), 50);
      try {
        await closed;
      } finally {
        clearInterval(idle);
      }
      await app.close();
    })();
    return stopping;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void stop().then(() => process.exit(0));
    });
  }
  return { app, server, stop };
}
