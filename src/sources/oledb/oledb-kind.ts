import type { SourceKindDefinition } from '../source-kind.js';
import { OledbSourceConfig } from './oledb-config.js';
import { redactOledbConnectionString } from './oledb-connection-string.js';
import { OledbSource } from './oledb-source.js';

/**
 * `kind: oledb`: an OLE DB connection string as pasted from Windows, served by the
 * connector it maps to (Access reader, ODBC, SQL Server); read-only.
 */
export const oledbKind: SourceKindDefinition<OledbSourceConfig> = {
  kind: 'oledb',
  configSchema: OledbSourceConfig,
  canWrite: false,
  create: (config, { files }) => new OledbSource({ config, files }),
  redact: (config) => ({
    ...config,
    connectionString: redactOledbConnectionString(config.connectionString),
  }),
};
