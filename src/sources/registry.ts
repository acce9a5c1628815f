import { CtibookError } from '../domain/errors.js';
import { accessKind } from './access/access-kind.js';
import { csvKind } from './csv/csv-kind.js';
import { ldapKind } from './ldap/ldap-kind.js';
import { odbcQueryKind } from './odbc-query/odbc-query-kind.js';
import { odbcKind } from './odbc/odbc-kind.js';
import { oledbKind } from './oledb/oledb-kind.js';
import type { SourceConnector } from './source-connector.js';
import type { SourceFileRules } from './source-file.js';
import type { SourceKindDefinition } from './source-kind.js';

/** Every external source kind, by the `kind` of `POST /api/v1/phonebooks`. */
const KINDS: ReadonlyMap<string, SourceKindDefinition<never>> = new Map(
  (
    [
      csvKind,
      odbcKind,
      odbcQueryKind,
      oledbKind,
      ldapKind,
      accessKind,
    ] as SourceKindDefinition<never>[]
  ).map((definition) => [definition.kind, definition]),
);

export function sourceKinds(): string[] {
  return [...KINDS.keys()];
}

/** The definition of a kind; an unknown kind is a 400 naming the supported ones. */
export function sourceKind(kind: string): SourceKindDefinition<unknown> {
  const definition = KINDS.get(kind) as SourceKindDefinition<unknown> | undefined;
  if (!definition) {
    throw new CtibookError(
      'VALIDATION_FAILED',
      `kind: "${kind}" is not a source kind (${sourceKinds().join(', ')})`,
      {
        field: 'kind',
      },
    );
  }
  return definition;
}

/**
 * Validates a book's `source` settings against its kind's schema.
 * @throws CtibookError VALIDATION_FAILED naming `source.<key>` and what was expected;
 *   `where` (a file name) is added for settings read from `folder_cfg.ini`.
 */
export function parseSourceConfig(kind: string, source: unknown, where?: string): unknown {
  const result = sourceKind(kind).configSchema.safeParse(source ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key =
    issue?.code === 'unrecognized_keys'
      ? `source.${issue.keys.join(', source.')}`
      : ['source', ...(issue?.path ?? []).map(String)].join('.');
  const problem =
    issue?.code === 'unrecognized_keys' ? 'unknown key' : (issue?.message ?? 'invalid');
  throw new CtibookError('VALIDATION_FAILED', `${where ? `${where}: ` : ''}${key}: ${problem}`, {
    field: key,
    problem,
    ...(where ? { file: where } : {}),
    problems: result.error.issues.map((i) => ({
      field: ['source', ...i.path.map(String)].join('.'),
      problem: i.message,
    })),
  });
}

/** A connector for a book's validated settings; `files`: see `SourceFileRules`. */
export function createConnector(
  kind: string,
  config: unknown,
  writable: boolean,
  files?: SourceFileRules,
): SourceConnector {
  return sourceKind(kind).create(config, { writable, files });
}

/** The settings as the API may show them: secrets masked. */
export function redactSource(kind: string, config: unknown): unknown {
  return sourceKind(kind).redact(config);
}
