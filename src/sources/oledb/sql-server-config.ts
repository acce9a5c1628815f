import { invalidField } from '../../domain/errors.js';
import type { OledbSelect } from './oledb-config.js';
import type { OledbConnectionString } from './oledb-connection-string.js';

/** Where and how to reach a SQL Server, and what to read there (for `tedious`). */
export interface SqlServerConfig extends OledbSelect {
  host: string;
  /** A TCP port; when given, an instance name is not looked up. */
  port?: number;
  /** A named instance, found through the SQL Server Browser (UDP 1434). */
  instance?: string;
  database?: string;
  user: string;
  password: string;
  encrypt: boolean | 'strict';
  trustServerCertificate: boolean;
  connectTimeoutMs: number;
  appName?: string;
}

const YES = /^(yes|true|1|mandatory)$/i;
const NO = /^(no|false|0|optional)$/i;

function invalid(problem: string): never {
  throw invalidField('source.connectionString', problem);
}

/**
 * The SQL Server settings of an OLE DB connection string (SQLOLEDB, MSOLEDBSQL, SQLNCLI…):
 * `Data Source`/`Server` as `[tcp:]host[\instance][,port]`, `Initial Catalog`/`Database`,
 * `User ID`/`Password`, `Encrypt`/`Use Encryption for Data`, `TrustServerCertificate`.
 * MSOLEDBSQL19 encrypts by default, as on Windows; the older providers do not.
 * @throws CtibookError VALIDATION_FAILED for a Windows-only transport (named pipes, shared
 *   memory, LocalDB) or a missing server or user.
 */
export function sqlServerConfigFrom(
  connection: OledbConnectionString,
  provider: string,
  select: OledbSelect,
  connectTimeoutMs: number,
): SqlServerConfig {
  const dataSource =
    connection.get('Data Source', 'Server', 'Address', 'Addr', 'Network Address') ??
    invalid('Data Source= (the SQL Server) is missing');
  const user =
    connection.get('User ID', 'UID', 'User', 'User Name') ??
    invalid(
      'User ID= is missing: ctibook logs in to SQL Server with SQL Server authentication (User ID= and Password=)',
    );
  const encryptText = connection.get('Encrypt', 'Use Encryption for Data');
  const trustText = connection.get('TrustServerCertificate', 'Trust Server Certificate');
  const encrypt =
    encryptText === undefined
      ? /^msoledbsql19$/i.test(provider.replace(/\.\d+$/, ''))
      : /^strict$/i.test(encryptText)
        ? 'strict'
        : flag(encryptText, 'Encrypt');
  const appName = connection.get('Application Name', 'App');
  const database = connection.get('Initial Catalog', 'Database');
  return {
    ...parseServer(dataSource),
    ...(database ? { database } : {}),
    user,
    password: connection.get('Password', 'PWD') ?? '',
    encrypt,
    trustServerCertificate:
      trustText === undefined ? false : flag(trustText, 'TrustServerCertificate'),
    connectTimeoutMs,
    ...(appName ? { appName } : {}),
    ...select,
  };
}

function flag(value: string, key: string): boolean {
  if (YES.test(value.trim())) return true;
  if (NO.test(value.trim())) return false;
  return invalid(`${key}= must be yes or no, not "${value}"`);
}

/** `[tcp:]host[\instance][,port]`, as SQL Server clients read `Data Source`. */
export function parseServer(value: string): Pick<SqlServerConfig, 'host' | 'port' | 'instance'> {
  let rest = value.trim();
  const protocol = /^(tcp|np|lpc|admin):/i.exec(rest);
  if (protocol) {
    const name = (protocol[1] ?? '').toLowerCase();
    if (name !== 'tcp') {
      const what =
        name === 'np' ? 'named pipes' : name === 'lpc' ? 'shared memory' : 'the admin connection';
      invalid(
        `Data Source "${value}" uses ${what}, which works only on Windows: give the server as host or host,port (TCP)`,
      );
    }
    rest = rest.slice(protocol[0].length);
  }
  let port: number | undefined;
  const comma = rest.lastIndexOf(',');
  if (comma >= 0) {
    const text = rest.slice(comma + 1).trim();
    port = Number(text);
    if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
      invalid(`Data Source "${value}": "${text}" is not a TCP port`);
    }
    rest = rest.slice(0, comma);
  }
  const backslash = rest.indexOf('\\');
  const instance = backslash >= 0 ? rest.slice(backslash + 1).trim() : undefined;
  let host = (backslash >= 0 ? rest.slice(0, backslash) : rest).trim();
  if (/^\(localdb\)$/i.test(host)) {
    invalid(`Data Source "${value}" is SQL Server Express LocalDB, which runs only on Windows`);
  }
  if (host === '.' || /^\(local\)$/i.test(host)) host = 'localhost';
  if (host === '') invalid(`Data Source "${value}" names no server`);
  // An explicit port wins over the instance name, as with the Windows clients.
  return {
    host,
    ...(port !== undefined ? { port } : {}),
    ...(port === undefined && instance ? { instance } : {}),
  };
}
