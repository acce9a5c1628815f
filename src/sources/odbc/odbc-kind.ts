import type { SourceKindDefinition } from '../source-kind.js';
import { redactConnectionString } from '../source-kind.js';
import { OdbcSourceConfig } from './odbc-config.js';
import { OdbcSource } from './odbc-source.js';

/** `kind: odbc`: a table of a database reached through unixODBC; read and write. */
export const odbcKind: SourceKindDefinition<OdbcSourceConfig> = {
  kind: 'odbc',
  configSchema: OdbcSourceConfig,
  canWrite: true,
  create: (config, { writable, files }) => new OdbcSource({ config, writable, files }),
  redact: (config) => ({
    ...config,
    connectionString: redactConnectionString(config.connectionString),
  }),
};
