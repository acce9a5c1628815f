import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { PHONEBOOK_KINDS } from '../domain/phonebook.js';
import { UsageError } from './cli-context.js';

/** The kinds an admin may create (`local-numbers` is made by the server itself). */
export const CREATABLE_KINDS = PHONEBOOK_KINDS.filter((kind) => kind !== 'local-numbers');

/** Where a source password may come from when no `--password-env` is given. */
export const DEFAULT_PASSWORD_ENV = 'CTIBOOK_SOURCE_PASSWORD';

/** The flags that describe a source: `--kind`, `--source`, and the shortcuts per kind. */
export const SOURCE_OPTIONS = {
  kind: { type: 'string' },
  source: { type: 'string' },
  'source-file': { type: 'string' },
  csv: { type: 'string' },
  delimiter: { type: 'string' },
  encoding: { type: 'string' },
  'id-column': { type: 'string' },
  'ldap-url': { type: 'string' },
  'base-dn': { type: 'string' },
  'bind-dn': { type: 'string' },
  filter: { type: 'string' },
  scope: { type: 'string' },
  'start-tls': { type: 'boolean' },
  'ca-file': { type: 'string' },
  odbc: { type: 'string' },
  oledb: { type: 'string' },
  table: { type: 'string' },
  query: { type: 'string' },
  'modified-column': { type: 'string' },
  access: { type: 'string' },
  'password-env': { type: 'string' },
  'bind-password-env': { type: 'string' },
  mapping: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** What the source flags give, as parsed by `node:util` `parseArgs`. */
export type SourceValues = {
  [K in keyof typeof SOURCE_OPTIONS]?: (typeof SOURCE_OPTIONS)[K]['type'] extends 'boolean'
    ? boolean | undefined
    : string | undefined;
};

/** The help on the source flags, shared by `create` and `preview`. */
export const SOURCE_HELP = `Kind and source:
  --kind KIND             ${CREATABLE_KINDS.join(', ')}; the shortcuts below set it
  --source JSON           source settings as the API takes them, e.g. '{"path":"/srv/a.csv"}'
  --source-file FILE      the same, read from a JSON file (the place for passwords: chmod 600)
  CSV:     --csv PATH [--delimiter ';'|','|tab|'|'|auto] [--id-column C]
           [--encoding auto|utf8|utf8-bom|windows-1252]
  LDAP:    --ldap-url ldap[s]://HOST[:PORT] --base-dn DN [--bind-dn DN] [--filter F]
           [--scope base|one|sub] [--start-tls] [--ca-file PEM] [--id-column ATTRIBUTE]
  ODBC:    --odbc CONNSTR --table T [--id-column C] [--modified-column C]
           --odbc CONNSTR --query SQL [--id-column C]          (kind odbc-query)
  OLE DB:  --oledb CONNSTR (--table T | --query SQL) [--id-column C]
  Access:  --access PATH --table T [--id-column C]
  Files are read by the server: give paths on its machine (relative ones are made absolute
  against the current directory). These flags override the same keys of --source.

Passwords (never a flag of their own, so they stay out of shell history and ps):
  --password-env VAR      take the source password from environment variable VAR: the LDAP
                          bind password (alias --bind-password-env; with --bind-dn the
                          default is ${DEFAULT_PASSWORD_ENV}), or PWD= / Password= added to an
                          ODBC or OLE DB connection string. Or keep it in --source-file.
                          The server masks it in every answer ("phonebook settings").

Mapping:
  --mapping JSON          contact field → source column, e.g. '{"lastName":"Name",
                          "businessPhone":"Vorwahl + Rufnummer","id":"Nr"}'; without it the
                          server proposes one from the column names ("phonebook preview")`;

/** A source as `POST /api/v1/phonebooks` and `…/preview` take it. */
export interface SourceSpec {
  kind: string;
  source: Record<string, unknown>;
}

/**
 * Builds the kind and source settings from the flags: `--source`/`--source-file` first,
 * the shortcut flags on top. Returns `kind: 'builtin'` and no settings when none is given.
 * @throws UsageError for contradicting or incomplete flags, or a password variable not set.
 */
export function sourceFromFlags(values: SourceValues, env: NodeJS.ProcessEnv): SourceSpec {
  const source = baseSource(values);
  const implied = impliedKind(values);
  if (values.kind !== undefined && !(CREATABLE_KINDS as readonly string[]).includes(values.kind)) {
    throw new UsageError(
      `--kind ${values.kind} is not a phone book kind (${CREATABLE_KINDS.join(', ')})`,
    );
  }
  if (values.kind !== undefined && implied !== undefined && values.kind !== implied) {
    throw new UsageError(`--kind ${values.kind} contradicts the ${implied} flags`);
  }
  const kind = implied ?? values.kind ?? 'builtin';
  const set = (key: string, value: string | boolean | undefined): void => {
    if (value !== undefined) source[key] = value;
  };
  switch (kind) {
    case 'csv':
      if (values.csv !== undefined) set('path', resolve(values.csv));
      set('delimiter', delimiter(values.delimiter));
      set('encoding', values.encoding);
      set('idColumn', values['id-column']);
      break;
    case 'ldap':
      set('url', values['ldap-url']);
      set('baseDn', values['base-dn']);
      set('bindDn', values['bind-dn']);
      set('filter', values.filter);
      set('scope', values.scope);
      set('startTls', values['start-tls']);
      if (values['ca-file'] !== undefined) set('caFile', resolve(values['ca-file']));
      set('idAttribute', values['id-column']);
      break;
    case 'odbc':
    case 'odbc-query':
    case 'oledb':
      set('connectionString', values.odbc ?? values.oledb);
      set('table', values.table);
      set('query', values.query);
      set('idColumn', values['id-column']);
      set('modifiedColumn', values['modified-column']);
      break;
    case 'access':
      if (values.access !== undefined) set('path', resolve(values.access));
      set('table', values.table);
      set('idColumn', values['id-column']);
      break;
    default:
      if (Object.keys(source).length > 0 || usedShortcut(values)) {
        throw new UsageError('A builtin book has no source; pass --kind or a source flag');
      }
      return { kind, source };
  }
  addPassword(kind, source, values, env);
  return { kind, source };
}

/** Parses `--mapping JSON`: an object of contact field → column name. */
export function mappingFromFlag(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return undefined;
  const value = parseJson(text, '--mapping');
  if (!isRecord(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new UsageError('--mapping must be a JSON object of field → column name strings');
  }
  return value as Record<string, string>;
}

function baseSource(values: SourceValues): Record<string, unknown> {
  if (values.source !== undefined && values['source-file'] !== undefined) {
    throw new UsageError('Give --source or --source-file, not both');
  }
  let text = values.source;
  let where = '--source';
  if (values['source-file'] !== undefined) {
    where = values['source-file'];
    try {
      text = readFileSync(values['source-file'], 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new UsageError(`Cannot read --source-file ${values['source-file']}: ${reason}`);
    }
  }
  if (text === undefined) return {};
  const value = parseJson(text, where);
  if (!isRecord(value)) throw new UsageError(`${where} must hold a JSON object`);
  return { ...value };
}

function impliedKind(values: SourceValues): string | undefined {
  const kinds = new Set<string>();
  if (values.csv !== undefined) kinds.add('csv');
  if (values['ldap-url'] !== undefined) kinds.add('ldap');
  if (values.odbc !== undefined) kinds.add(values.query !== undefined ? 'odbc-query' : 'odbc');
  if (values.oledb !== undefined) kinds.add('oledb');
  if (values.access !== undefined) kinds.add('access');
  if (kinds.size > 1) {
    throw new UsageError(`Give one source: --csv, --ldap-url, --odbc, --oledb or --access`);
  }
  return [...kinds][0];
}

function usedShortcut(values: SourceValues): boolean {
  return Object.keys(SOURCE_OPTIONS).some(
    (key) => key !== 'kind' && key !== 'mapping' && values[key as keyof SourceValues] !== undefined,
  );
}

function delimiter(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (text === 'tab' || text === '\\t') return '\t';
  return text;
}

/** Adds the password from the environment: LDAP bind password, or a connection string key. */
function addPassword(
  kind: string,
  source: Record<string, unknown>,
  values: SourceValues,
  env: NodeJS.ProcessEnv,
): void {
  const named = values['password-env'] ?? values['bind-password-env'];
  if (kind === 'ldap') {
    const wanted = named ?? (source.bindDn !== undefined && source.bindPassword === undefined);
    if (!wanted) return;
    source.bindPassword = passwordFrom(named ?? DEFAULT_PASSWORD_ENV, env);
    return;
  }
  if (named === undefined) return;
  if (kind !== 'odbc' && kind !== 'odbc-query' && kind !== 'oledb') {
    throw new UsageError(`--password-env: a ${kind} source takes no password`);
  }
  const connection = source.connectionString;
  if (typeof connection !== 'string') {
    throw new UsageError('--password-env needs a connection string (--odbc or --oledb)');
  }
  if (/(^|;)\s*(pwd|password)\s*=/i.test(connection)) {
    throw new UsageError('--password-env: the connection string has a password already');
  }
  const key = kind === 'oledb' ? 'Password' : 'PWD';
  const secret = passwordFrom(named, env).replaceAll('}', '}}');
  source.connectionString = `${connection.replace(/;\s*$/, '')};${key}={${secret}};`;
}

function passwordFrom(variable: string, env: NodeJS.ProcessEnv): string {
  const value = env[variable];
  if (!value) {
    throw new UsageError(
      `No source password: set the environment variable ${variable} (or name another with --password-env)`,
    );
  }
  return value;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `${where} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
