import { pino } from 'pino';
import type { Logger } from 'pino';

/**
 * The structured logger: JSON lines on stderr. Secrets never reach it: authorization
 * headers and password fields are redacted, and query strings (which may carry a
 * WebSocket token) are cut from logged URLs.
 */
export function createLogger(level = process.env.CTIBOOK_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [
          'req.headers.authorization',
          'password',
          '*.password',
          'bindPassword',
          '*.bindPassword',
          'token',
          '*.token',
        ],
        censor: '[redacted]',
      },
      serializers: {
        req(req: { method?: string; url?: string; ip?: string }) {
          return { method: req.method, url: req.url?.split('?')[0], remoteAddress: req.ip };
        },
      },
    },
    pino.destination(2),
  );
}
