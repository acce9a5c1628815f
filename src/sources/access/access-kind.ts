import type { SourceKindDefinition } from '../source-kind.js';
import { AccessSourceConfig } from './access-config.js';
import { AccessSource } from './access-source.js';

/** `kind: access`: a table of an Access database (`.mdb`, `.accdb`) on the server; read-only. */
export const accessKind: SourceKindDefinition<AccessSourceConfig> = {
  kind: 'access',
  configSchema: AccessSourceConfig,
  canWrite: false,
  create: (config, { files }) => new AccessSource({ config, files }),
  redact: (config) => config,
};
