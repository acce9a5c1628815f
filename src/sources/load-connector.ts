import { CtibookError } from '../domain/errors.js';
import type { SourceConnector } from './source-connector.js';
import type { SourceFileRules } from './source-file.js';
import type { SourceKindDefinition } from './source-kind.js';

/**
 * Each kind's module, imported only when a book of that kind syncs: a sync worker starts
 * in a new thread, and loading every kind's drivers there (`tedious`, `ldapts`, `odbc`)
 * cost it several hundred milliseconds per sync. Keep in step with `registry.ts`.
 */
const LOADERS: Readonly<Record<string, () => Promise<SourceKindDefinition<never>>>> = {
  csv: async () => (await import('./csv/csv-kind.js')).csvKind as SourceKindDefinition<never>,
  odbc: async () => (await import('./odbc/odbc-kind.js')).odbcKind as SourceKindDefinition<never>,
  'odbc-query': async () =>
    (await import('./odbc-query/odbc-query-kind.js')).odbcQueryKind as SourceKindDefinition<never>,
  oledb: async () =>
    (await import('./oledb/oledb-kind.js')).oledbKind as SourceKindDefinition<never>,
  ldap: async () => (await import('./ldap/ldap-kind.js')).ldapKind as SourceKindDefinition<never>,
  access: async () =>
    (await import('./access/access-kind.js')).accessKind as SourceKindDefinition<never>,
};

/** The kinds {@link loadConnector} knows (a test keeps them equal to the registry's). */
export function loadableKinds(): string[] {
  return Object.keys(LOADERS);
}

/** `createConnector` of the registry, loading only the book's kind. */
export async function loadConnector(
  kind: string,
  config: unknown,
  writable: boolean,
  files?: SourceFileRules,
): Promise<SourceConnector> {
  const load = LOADERS[kind];
  if (!load) throw new CtibookError('VALIDATION_FAILED', `kind: "${kind}" is not a source kind`);
  const definition = (await load()) as SourceKindDefinition<unknown>;
  return definition.create(config, { writable, files });
}
