import type { SourceKindDefinition } from '../source-kind.js';
import { CsvSourceConfig } from './csv-config.js';
import { CsvSource } from './csv-source.js';

/** `kind: csv`: a CSV file on the server; read-only unless an admin removes write protection. */
export const csvKind: SourceKindDefinition<CsvSourceConfig> = {
  kind: 'csv',
  configSchema: CsvSourceConfig,
  canWrite: true,
  create: (config, { writable, files }) => new CsvSource({ config, writable, files }),
  redact: (config) => config,
};
