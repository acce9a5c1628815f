import { isAbsolute } from 'node:path';
import { invalidField, isCtibookError } from '../../domain/errors.js';
import type { AccessSourceConfig } from '../access/access-config.js';
import type { OledbSelect, OledbSourceConfig } from './oledb-config.js';
import type { ConnectionStringEntry } from './oledb-connection-string.js';
import {
  OledbConnectionString,
  formatOdbcConnectionString,
  normalizeKey,
  scrubSecrets,
} from './oledb-connection-string.js';
import type { SqlServerConfig } from './sql-server-config.js';
import { sqlServerConfigFrom } from './sql-server-config.js';

/** The database behind a provider, which decides the connector. */
export type OledbFamily = 'access' | 'odbc' | 'sqlserver' | 'postgresql' | 'mysql';

/** The settings of the ODBC source an OLE DB string maps to. */
export interface OdbcTargetConfig extends OledbSelect {
  connectionString: string;
}

/** The connector an OLE DB connection string maps to, with its settings. */
export type OledbTarget =
  | { family: 'access'; provider: string; access: AccessSourceConfig; password?: string }
  | {
      family: 'odbc' | 'postgresql' | 'mysql';
      provider: string;
      odbc: OdbcTargetConfig;
      timeoutMs: number;
    }
  | { family: 'sqlserver'; provider: string; sqlServer: SqlServerConfig };

const PROVIDERS: readonly { family: OledbFamily; label: string; names: readonly string[] }[] = [
  {
    family: 'access',
    label: 'Access files',
    names: ['Microsoft.ACE.OLEDB.12.0', 'Microsoft.ACE.OLEDB.16.0', 'Microsoft.Jet.OLEDB.4.0'],
  },
  { family: 'odbc', label: 'ODBC', names: ['MSDASQL'] },
  {
    family: 'sqlserver',
    label: 'SQL Server',
    names: ['SQLOLEDB', 'MSOLEDBSQL', 'MSOLEDBSQL19', 'SQLNCLI', 'SQLNCLI10', 'SQLNCLI11'],
  },
  {
    family: 'postgresql',
    label: 'PostgreSQL',
    names: ['PostgreSQL OLE DB Provider', 'PGNP', 'PostgreSQL.1'],
  },
  { family: 'mysql', label: 'MySQL and MariaDB', names: ['MySQLProv', 'MySQL.OLEDB'] },
];

/** Every `Provider=` ctibook understands, as written in the error for an unknown one. */
export const SUPPORTED_OLEDB_PROVIDERS: readonly string[] = PROVIDERS.flatMap((p) => p.names);

const SUPPORTED_TEXT = PROVIDERS.map((p) => `${p.names.join(', ')} (${p.label})`).join('; ');
const DEFAULT_TIMEOUT_MS = 15_000;
const ACCESS_FILE = /\.(mdb|accdb|mde|accde)$/i;

/** Keys that configure the OLE DB layer itself and mean nothing to an ODBC driver. */
const OLEDB_ONLY = new Set([
  'provider',
  'extended properties',
  'persist security info',
  'data source',
  'user id',
  'password',
  'initial catalog',
  'connect timeout',
  'connection timeout',
  'general timeout',
  'mode',
  'prompt',
  'ole db services',
  'locale identifier',
  'window handle',
  'location',
]);

function invalid(problem: string): never {
  throw invalidField('source.connectionString', problem);
}

/**
 * Maps an OLE DB connection string to a connector this Linux server has: the Access
 * providers (ACE, Jet) with an `.mdb`/`.accdb` file to the Access reader, `MSDASQL` to
 * ODBC as it is, the SQL Server providers to `tedious`, the PostgreSQL and MySQL providers
 * to ODBC with the PostgreSQL Unicode and MariaDB Unicode drivers. Pure, no I/O.
 * @throws CtibookError VALIDATION_FAILED (field `source.connectionString`) for an unknown
 *   provider (the message lists the supported ones), a Windows path, Windows authentication
 *   (`Integrated Security=SSPI`) and other things Linux cannot do; never with a secret in it.
 */
export function mapOledbConnectionString(config: OledbSourceConfig): OledbTarget {
  const connection = OledbConnectionString.parse(config.connectionString);
  try {
    return mapParsed(connection, config);
  } catch (error) {
    if (!isCtibookError(error)) throw error;
    const problem = String(error.details?.problem ?? error.message);
    throw invalidField('source.connectionString', scrubSecrets(problem, connection.secrets()));
  }
}

function mapParsed(connection: OledbConnectionString, config: OledbSourceConfig): OledbTarget {
  const select: OledbSelect = {
    ...(config.table !== undefined ? { table: config.table } : {}),
    ...(config.query !== undefined ? { query: config.query } : {}),
    ...(config.idColumn !== undefined ? { idColumn: config.idColumn } : {}),
  };
  const provider = connection.get('Provider')?.trim();
  if (!provider) {
    if (connection.has('Driver', 'DSN')) {
      invalid('there is no Provider=: this is an ODBC connection string, use the kind odbc');
    }
    invalid(`there is no Provider=; supported providers: ${SUPPORTED_TEXT}`);
  }
  const family =
    familyOf(provider) ??
    invalid(`provider "${provider}" is not supported; supported providers: ${SUPPORTED_TEXT}`);
  const timeoutMs = timeoutOf(connection);
  if (family !== 'access' && family !== 'odbc' && usesWindowsAuthentication(connection)) {
    invalid(
      'Windows authentication (Integrated Security=SSPI, Trusted_Connection) is not available on Linux: use SQL authentication with User ID= and Password=',
    );
  }
  switch (family) {
    case 'access':
      return accessTarget(connection, provider, select);
    case 'sqlserver':
      return {
        family,
        provider,
        sqlServer: sqlServerConfigFrom(connection, provider, select, timeoutMs),
      };
    case 'odbc':
      return { family, provider, odbc: msdasqlTarget(connection, select), timeoutMs };
    case 'postgresql':
      return { family, provider, odbc: postgresTarget(connection, select), timeoutMs };
    case 'mysql':
      return { family, provider, odbc: mysqlTarget(connection, select), timeoutMs };
  }
}

function familyOf(provider: string): OledbFamily | undefined {
  const wanted = provider.toLowerCase();
  // A ProgID may carry a version: SQLOLEDB.1, MSDASQL.1, PGNP.1.
  const unversioned = wanted.replace(/\.\d+$/, '');
  for (const { family, names } of PROVIDERS) {
    if (names.some((name) => [wanted, unversioned].includes(name.toLowerCase()))) return family;
  }
  if (/^microsoft\.ace\.oledb\.\d+\.0$/.test(wanted)) return 'access';
  if (wanted === 'postgresql') return 'postgresql';
  return undefined;
}

function timeoutOf(connection: OledbConnectionString): number {
  const text = connection.get('Connect Timeout', 'Connection Timeout', 'Timeout');
  const seconds = Number(text);
  if (text === undefined || !/^\d+$/.test(text.trim()) || seconds === 0) return DEFAULT_TIMEOUT_MS;
  return Math.min(seconds, 300) * 1000;
}

function usesWindowsAuthentication(connection: OledbConnectionString): boolean {
  return (
    /^(sspi|true|yes)$/i.test(connection.get('Integrated Security')?.trim() ?? '') ||
    /^(yes|true)$/i.test(connection.get('Trusted_Connection')?.trim() ?? '')
  );
}

function accessTarget(
  connection: OledbConnectionString,
  provider: string,
  select: OledbSelect,
): OledbTarget {
  const path =
    connection.get('Data Source', 'DBQ')?.trim() ??
    invalid('Data Source= is missing: give the path of the .mdb or .accdb file');
  if (/^[a-z]:|^\\\\|\\|\|datadirectory\|/i.test(path)) {
    const name = path.split(/[\\/|]/).pop() || 'the file';
    invalid(
      `Data Source "${path}" is a Windows path, but ctibook runs on Linux and opens the file itself: copy ${name} to this server and give its Linux path, e.g. Data Source=/var/lib/ctibook/${name}`,
    );
  }
  if (!isAbsolute(path)) invalid(`Data Source "${path}" must be an absolute Linux path`);
  const extended = connection.get('Extended Properties') ?? '';
  if (/\.xls[xmb]?$/i.test(path) || /excel/i.test(extended)) {
    invalid('Excel workbooks are not supported: save the sheet as CSV and use the kind csv');
  }
  if (/^\s*text\b/i.test(extended)) {
    invalid('text files through ACE are not supported: use the kind csv');
  }
  if (!ACCESS_FILE.test(path)) invalid(`Data Source "${path}" must be an .mdb or .accdb file`);
  if (select.query !== undefined || select.table === undefined) {
    invalid('an Access file is read by table, not by query: give table instead of query');
  }
  const password = connection.get('Jet OLEDB:Database Password');
  return {
    family: 'access',
    provider,
    access: {
      path,
      table: select.table,
      ...(select.idColumn !== undefined ? { idColumn: select.idColumn } : {}),
    },
    ...(password ? { password } : {}),
  };
}

/** MSDASQL: the ODBC string is `Extended Properties` and the ODBC keys beside it. */
function msdasqlTarget(connection: OledbConnectionString, select: OledbSelect): OdbcTargetConfig {
  const entries: ConnectionStringEntry[] = [];
  const has = (key: string): boolean => entries.some((e) => normalizeKey(e.key) === key);
  const put = (key: string, value: string): void => {
    const at = entries.findIndex((e) => normalizeKey(e.key) === normalizeKey(key));
    if (at >= 0) entries.splice(at, 1);
    entries.push({ key, value });
  };
  const extended = connection.get('Extended Properties');
  if (extended !== undefined) {
    const inner = OledbConnectionString.parse(extended, 'connectionString (Extended Properties)');
    for (const { key, value } of inner.entries()) put(key, value);
  }
  for (const { key, value } of connection.entries()) {
    if (!OLEDB_ONLY.has(normalizeKey(key)) && !normalizeKey(key).startsWith('jet oledb:')) {
      put(key, value);
    }
  }
  const renames: [string, string, string][] = [
    ['Data Source', 'DSN', 'driver'],
    ['User ID', 'UID', 'uid'],
    ['Password', 'PWD', 'pwd'],
    ['Initial Catalog', 'DATABASE', 'database'],
  ];
  for (const [oledbKey, odbcKey, unlessKey] of renames) {
    const value = connection.get(oledbKey);
    if (value !== undefined && !has(odbcKey.toLowerCase()) && !has(unlessKey)) put(odbcKey, value);
  }
  if (!has('dsn') && !has('driver')) {
    invalid('MSDASQL needs DSN= or Driver= (or an ODBC string in Extended Properties)');
  }
  return { connectionString: formatOdbcConnectionString(entries), ...select };
}

function postgresTarget(connection: OledbConnectionString, select: OledbSelect): OdbcTargetConfig {
  const extended = OledbConnectionString.parse(
    connection.get('Extended Properties') ?? '',
    'connectionString (Extended Properties)',
  );
  const server = hostAndPort(
    connection.get('Data Source', 'Server', 'Host', 'Address') ??
      invalid('Data Source= (the PostgreSQL server) is missing'),
  );
  const port = connection.get('Port') ?? extended.get('Port') ?? server.port;
  return odbcTarget(
    'PostgreSQL Unicode',
    [
      ['Server', server.host],
      ['Port', port],
      [
        'Database',
        connection.get('Initial Catalog', 'Database', 'Location') ?? extended.get('Database'),
      ],
      ['Uid', connection.get('User ID', 'UID', 'User', 'User Name', 'Username')],
      ['Pwd', connection.get('Password', 'PWD')],
      ['SSLmode', connection.get('SSL Mode', 'SSLMode') ?? extended.get('SSL Mode', 'SSLMode')],
    ],
    select,
  );
}

/** MySQLProv names the server `Location` and the database `Data Source`; others as usual. */
function mysqlTarget(connection: OledbConnectionString, select: OledbSelect): OdbcTargetConfig {
  const catalog = connection.get('Initial Catalog', 'Database');
  const dataSource = connection.get('Data Source');
  const named = connection.get('Server', 'Host', 'Location');
  const server = hostAndPort(
    named ?? (catalog !== undefined ? dataSource : undefined) ?? 'localhost',
  );
  return odbcTarget(
    'MariaDB Unicode',
    [
      ['Server', server.host],
      ['Port', connection.get('Port') ?? server.port],
      ['Database', catalog ?? dataSource],
      ['User', connection.get('User ID', 'UID', 'User', 'User Name', 'Username')],
      ['Password', connection.get('Password', 'PWD')],
    ],
    select,
  );
}

function odbcTarget(
  driver: string,
  pairs: [string, string | undefined][],
  select: OledbSelect,
): OdbcTargetConfig {
  const entries: ConnectionStringEntry[] = [{ key: 'Driver', value: driver }];
  for (const [key, value] of pairs)
    if (value !== undefined && value !== '') entries.push({ key, value });
  return { connectionString: formatOdbcConnectionString(entries), ...select };
}

/** `host`, `host:port` or `host,port` (an IPv6 address in brackets). */
function hostAndPort(value: string): { host: string; port?: string } {
  const match = /^(\[[^\]]+\]|[^:,]+)(?:[:,](\d+))?$/.exec(value.trim());
  if (!match?.[1]) return { host: value.trim() };
  return { host: match[1], ...(match[2] !== undefined ? { port: match[2] } : {}) };
}
