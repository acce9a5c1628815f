import { OdbcSource } from '../odbc/odbc-source.js';
import type { SourceKindDefinition } from '../source-kind.js';
import { redactConnectionString } from '../source-kind.js';
import { OdbcQuerySourceConfig } from './odbc-query-config.js';

/** `kind: odbc-query`: the rows of one SELECT through unixODBC; always read-only. */
export const odbcQueryKind: SourceKindDefinition<OdbcQuerySourceConfig> = {
  kind: 'odbc-query',
  configSchema: OdbcQuerySourceConfig,
  canWrite: false,
  create: (config, { files }) => new OdbcSource({ config, writable: false, files }),
  redact: (config) => ({
    ...config,
    connectionString: redactConnectionString(config.connectionString),
  }),
};
