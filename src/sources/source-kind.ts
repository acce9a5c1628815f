import type { z } from 'zod';
import type { SourceConnector } from './source-connector.js';
import type { SourceFileRules } from './source-file.js';

/** What the server needs to know of one kind of source; the registry maps kinds to these. */
export interface SourceKindDefinition<C = unknown> {
  /** The `kind` of `POST /api/v1/phonebooks`. */
  kind: string;
  /** Validates the `source` settings; unknown keys are errors. */
  configSchema: z.ZodType<C>;
  /** Whether books of this kind can take writes at all (else forced read-only). */
  canWrite: boolean;
  /**
   * A connector on the settings; does no I/O. `files`: which files a connector that opens
   * files may open (see `openSourceFile`); kinds that open none ignore it.
   */
  create(config: C, options: { writable: boolean; files?: SourceFileRules }): SourceConnector;
  /** The settings with every secret (passwords, `Pwd=` in connection strings) replaced by `********`. */
  redact(config: C): C;
}

/** The mask that stands for a secret in API answers and logs. */
export const SECRET_MASK = '********';

/**
 * Masks `Pwd=`, `Password=` and similar values in an ODBC/OLE DB connection string,
 * quoted (`{…}`, `"…"`) or not.
 */
export function redactConnectionString(connectionString: string): string {
  return connectionString.replace(
    /(^|;)([^;=]*?\b(?:pwd|password|pass|passwd|secret|key|token|accesstoken)\s*=\s*)(\{(?:[^}]|\}\})*\}|"[^"]*"|[^;]*)/gi,
    (_all, start: string, key: string) => `${start}${key}${SECRET_MASK}`,
  );
}
