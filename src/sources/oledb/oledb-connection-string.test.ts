import { describe, expect, it } from 'vitest';
import { CtibookError } from '../../domain/errors.js';
import type { OledbTarget } from './map-oledb-connection-string.js';
import {
  SUPPORTED_OLEDB_PROVIDERS,
  mapOledbConnectionString,
} from './map-oledb-connection-string.js';
import { OledbSourceConfig } from './oledb-config.js';
import {
  OledbConnectionString,
  formatOdbcConnectionString,
  redactOledbConnectionString,
} from './oledb-connection-string.js';

const SECRET = 'Geh;eim"42';
/** The secret as it must be written in a connection string. */
const QUOTED_SECRET = `"${SECRET.replaceAll('"', '""')}"`;

function map(
  connectionString: string,
  select: { table?: string; query?: string; idColumn?: string } = { table: 'Kontakte' },
): OledbTarget {
  return mapOledbConnectionString({ connectionString, ...select });
}

function refusal(run: () => unknown): CtibookError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CtibookError);
    const failure = error as CtibookError;
    expect(failure.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify({ m: failure.message, d: failure.details })).not.toContain('Geh');
    return failure;
  }
  throw new Error('expected VALIDATION_FAILED');
}

function odbcString(target: OledbTarget): string {
  if (target.family === 'access' || target.family === 'sqlserver') throw new Error(target.family);
  return target.odbc.connectionString;
}

describe('OledbConnectionString.parse', () => {
  it('reads bare pairs, ignoring blanks around keys and values and empty parts', () => {
    const parsed = OledbConnectionString.parse(
      ' Provider = SQLOLEDB ;; Data Source= db1 ;User ID=pb;',
    );
    expect(parsed.entries()).toEqual([
      { key: 'Provider', value: 'SQLOLEDB' },
      { key: 'Data Source', value: 'db1' },
      { key: 'User ID', value: 'pb' },
    ]);
  });

  it('looks keys up case-insensitively, with inner blanks collapsed', () => {
    const parsed = OledbConnectionString.parse('PROVIDER=x;user   id=Anna;initial catalog=pb');
    expect(parsed.get('Provider')).toBe('x');
    expect(parsed.get('User ID')).toBe('Anna');
    expect(parsed.get('Database', 'Initial Catalog')).toBe('pb');
    expect(parsed.has('Password')).toBe(false);
  });

  it('reads double-quoted values with ; inside and "" for a quote', () => {
    expect(OledbConnectionString.parse('Password="a;""b"" c";X=1').get('password')).toBe('a;"b" c');
  });

  it("reads single-quoted values with '' for a quote", () => {
    expect(
      OledbConnectionString.parse("Data Source='/srv/O''Brien; Ltd.mdb'").get('data source'),
    ).toBe("/srv/O'Brien; Ltd.mdb");
  });

  it('reads ODBC-style braced values with }} for a brace', () => {
    const parsed = OledbConnectionString.parse('Driver={SQL Server};PWD={a;b}}c};');
    expect(parsed.get('driver')).toBe('SQL Server');
    expect(parsed.get('pwd')).toBe('a;b}c');
  });

  it('keeps the last of a key given twice, and reads == in a key as =', () => {
    const parsed = OledbConnectionString.parse('Server=a;server=b;odd==key=v');
    expect(parsed.get('Server')).toBe('b');
    expect(parsed.get('odd=key')).toBe('v');
  });

  it('refuses an unclosed quote naming the key but not the value', () => {
    const error = refusal(() =>
      OledbConnectionString.parse(`Provider=SQLOLEDB;Password="Geheim;User ID=x`),
    );
    expect(error.message).toBe(
      'source.connectionString: the quoted value of Password is not closed, or text follows its closing quote',
    );
    refusal(() => OledbConnectionString.parse(`Password="Geheim"x;User ID=x`));
  });

  it('refuses an unquoted value with ; naming the key before it, never the fragment', () => {
    const error = refusal(() =>
      OledbConnectionString.parse('Provider=SQLOLEDB;Password=ab;Geheim;User ID=x'),
    );
    expect(error.message).toBe(
      'source.connectionString: the part after Password= is not key=value (quote a value that contains ;)',
    );
  });

  it('lists the secrets to keep out of messages', () => {
    expect(
      OledbConnectionString.parse(
        `Password=${QUOTED_SECRET};PWD=x;Jet OLEDB:Database Password=y;User ID=u`,
      ).secrets(),
    ).toEqual([SECRET, 'x', 'y']);
  });
});

describe('formatOdbcConnectionString and redactOledbConnectionString', () => {
  it('braces values that need it and Driver always', () => {
    expect(
      formatOdbcConnectionString([
        { key: 'Driver', value: 'SQLite3' },
        { key: 'Database', value: '/tmp/a b.db' },
        { key: 'PWD', value: 'x;y}' },
      ]),
    ).toBe('Driver={SQLite3};Database=/tmp/a b.db;PWD={x;y}}};');
  });

  it('masks passwords in every quoting, single quotes included', () => {
    expect(
      redactOledbConnectionString(
        `Provider=SQLOLEDB;Password='Geh;eim';User ID=x;Jet OLEDB:Database Password="z;z"`,
      ),
    ).toBe('Provider=SQLOLEDB;Password=********;User ID=x;Jet OLEDB:Database Password=********');
  });
});

describe('redactOledbConnectionString on what it cannot parse', () => {
  it('falls back to the shared redaction', () => {
    expect(redactOledbConnectionString('Provider=SQLOLEDB;Password="Geheim;UID=u')).toBe(
      'Provider=SQLOLEDB;Password=********;UID=u',
    );
  });
});

describe('mapOledbConnectionString: Access providers', () => {
  it('maps ACE 12.0 with a Linux .mdb path to the Access reader', () => {
    expect(
      map(
        'Provider=Microsoft.ACE.OLEDB.12.0;Data Source=/srv/daten/tel.mdb;Persist Security Info=False;',
        { table: 'Kontakte', idColumn: 'ID' },
      ),
    ).toEqual({
      family: 'access',
      provider: 'Microsoft.ACE.OLEDB.12.0',
      access: { path: '/srv/daten/tel.mdb', table: 'Kontakte', idColumn: 'ID' },
    });
  });

  it('maps ACE 16.0 with a quoted .accdb path and Jet 4.0 with a database password', () => {
    const ace = map('provider=microsoft.ace.oledb.16.0;data source="/srv/Telefon; Liste.accdb"');
    expect(ace).toMatchObject({ family: 'access', access: { path: '/srv/Telefon; Liste.accdb' } });
    const jet = map(
      `Provider=Microsoft.Jet.OLEDB.4.0;Data Source=/srv/tel.mdb;Jet OLEDB:Database Password=${QUOTED_SECRET}`,
    );
    expect(jet).toMatchObject({ family: 'access', password: SECRET });
  });

  it('explains a Windows drive path: copy the file and give the Linux path', () => {
    const error = refusal(() =>
      map('Provider=Microsoft.ACE.OLEDB.12.0;Data Source=C:\\Daten\\tel.mdb'),
    );
    expect(error.message).toBe(
      'source.connectionString: Data Source "C:\\Daten\\tel.mdb" is a Windows path, but ctibook runs on Linux and opens the file itself: copy tel.mdb to this server and give its Linux path, e.g. Data Source=/var/lib/ctibook/tel.mdb',
    );
  });

  it('explains UNC paths and |DataDirectory| the same way, and wants an absolute path', () => {
    expect(
      refusal(() => map('Provider=Microsoft.Jet.OLEDB.4.0;Data Source=\\\\fs01\\share\\tel.mdb'))
        .message,
    ).toContain('copy tel.mdb to this server');
    expect(
      refusal(() => map('Provider=Microsoft.ACE.OLEDB.12.0;Data Source=|DataDirectory|\\tel.accdb'))
        .message,
    ).toContain('is a Windows path');
    expect(
      refusal(() => map('Provider=Microsoft.ACE.OLEDB.12.0;Data Source=daten/tel.mdb')).message,
    ).toContain('must be an absolute Linux path');
  });

  it('sends Excel and text files to the csv kind and refuses a query', () => {
    expect(
      refusal(() =>
        map(
          'Provider=Microsoft.ACE.OLEDB.12.0;Data Source=/srv/tel.xlsx;Extended Properties="Excel 12.0 Xml;HDR=YES"',
        ),
      ).message,
    ).toContain('use the kind csv');
    expect(
      refusal(() =>
        map(
          'Provider=Microsoft.ACE.OLEDB.12.0;Data Source=/srv/;Extended Properties="text;HDR=Yes;FMT=Delimited"',
        ),
      ).message,
    ).toContain('use the kind csv');
    expect(
      refusal(() =>
        map('Provider=Microsoft.ACE.OLEDB.12.0;Data Source=/srv/tel.mdb', {
          query: 'SELECT * FROM Kontakte',
        }),
      ).message,
    ).toContain('give table instead of query');
  });
});

describe('mapOledbConnectionString: MSDASQL to ODBC', () => {
  it('turns a DSN with User ID and Password into an ODBC string', () => {
    const target = map(
      `Provider=MSDASQL;Data Source=Telefonbuch;User ID=pb;Password=${QUOTED_SECRET}`,
    );
    expect(target).toMatchObject({ family: 'odbc', provider: 'MSDASQL', timeoutMs: 15_000 });
    expect(odbcString(target)).toBe(`DSN=Telefonbuch;UID=pb;PWD={${SECRET}};`);
  });

  it('passes Driver= and its keys through, braced', () => {
    expect(
      odbcString(map('Provider=MSDASQL.1;Driver={SQLite3};Database=/srv/pb.db;Connect Timeout=5')),
    ).toBe('Driver={SQLite3};Database=/srv/pb.db;');
    expect(
      map('Provider=MSDASQL.1;Driver={SQLite3};Database=/srv/pb.db;Connect Timeout=5'),
    ).toMatchObject({ timeoutMs: 5000 });
  });

  it('reads the ODBC string from Extended Properties', () => {
    const target = map(
      'Provider=MSDASQL.1;Persist Security Info=False;Extended Properties="DSN=Kontakte;UID=pb;PWD=x;"',
      { query: 'SELECT * FROM t' },
    );
    expect(odbcString(target)).toBe('DSN=Kontakte;UID=pb;PWD=x;');
    expect(target).toMatchObject({ odbc: { query: 'SELECT * FROM t' } });
  });

  it('wants DSN= or Driver=', () => {
    expect(refusal(() => map('Provider=MSDASQL;User ID=x')).message).toContain(
      'MSDASQL needs DSN= or Driver=',
    );
  });
});

describe('mapOledbConnectionString: SQL Server providers to tedious', () => {
  it('reads host\\instance, the catalog and SQL authentication (SQLOLEDB)', () => {
    const target = map(
      `Provider=SQLOLEDB.1;Data Source=SRV01\\SQLEXPRESS;Initial Catalog=CRM;User ID=ctibook;Password=${QUOTED_SECRET}`,
      { table: 'dbo.Kontakte', idColumn: 'KundenNr' },
    );
    expect(target).toEqual({
      family: 'sqlserver',
      provider: 'SQLOLEDB.1',
      sqlServer: {
        host: 'SRV01',
        instance: 'SQLEXPRESS',
        database: 'CRM',
        user: 'ctibook',
        password: SECRET,
        encrypt: false,
        trustServerCertificate: false,
        connectTimeoutMs: 15_000,
        table: 'dbo.Kontakte',
        idColumn: 'KundenNr',
      },
    });
  });

  it('reads tcp:host,port; MSOLEDBSQL19 encrypts by default, SQLNCLI11 does not', () => {
    expect(
      map(
        'Provider=MSOLEDBSQL19;Server=tcp:db.example.org,14330;Database=pb;UID=u;PWD=p;TrustServerCertificate=yes',
      ),
    ).toMatchObject({
      sqlServer: {
        host: 'db.example.org',
        port: 14330,
        database: 'pb',
        encrypt: true,
        trustServerCertificate: true,
      },
    });
    expect(map('Provider=SQLNCLI11;Server=db;UID=u;PWD=p')).toMatchObject({
      sqlServer: { encrypt: false },
    });
    expect(
      map(
        'Provider=MSOLEDBSQL;Server=db;UID=u;PWD=p;Use Encryption for Data=True;Connect Timeout=3',
      ),
    ).toMatchObject({
      sqlServer: { encrypt: true, connectTimeoutMs: 3000 },
    });
    for (const provider of ['SQLNCLI', 'SQLNCLI10']) {
      expect(map(`Provider=${provider};Server=(local);UID=u;PWD=p`)).toMatchObject({
        family: 'sqlserver',
        sqlServer: { host: 'localhost' },
      });
    }
  });

  it('refuses Windows authentication: Integrated Security=SSPI and Trusted_Connection', () => {
    const message =
      'source.connectionString: Windows authentication (Integrated Security=SSPI, Trusted_Connection) is not available on Linux: use SQL authentication with User ID= and Password=';
    expect(
      refusal(() =>
        map('Provider=SQLOLEDB;Data Source=.;Integrated Security=SSPI;Initial Catalog=CRM'),
      ).message,
    ).toBe(message);
    expect(refusal(() => map('Provider=MSOLEDBSQL;Server=db;Trusted_Connection=yes')).message).toBe(
      message,
    );
  });

  it('refuses named pipes, LocalDB and a missing user', () => {
    expect(
      refusal(() => map('Provider=SQLOLEDB;Data Source=np:\\\\srv\\pipe\\sql\\query;UID=u;PWD=p'))
        .message,
    ).toContain('named pipes');
    expect(
      refusal(() => map('Provider=MSOLEDBSQL;Server=(localdb)\\MSSQLLocalDB;UID=u;PWD=p')).message,
    ).toContain('LocalDB');
    expect(
      refusal(() => map(`Provider=SQLOLEDB;Data Source=db;Password=${QUOTED_SECRET}`)).message,
    ).toContain('User ID= is missing');
  });
});

describe('mapOledbConnectionString: PostgreSQL and MySQL providers to ODBC', () => {
  it('maps PGNP with the port in Extended Properties', () => {
    const target = map(
      `Provider=PGNP.1;Data Source=pg.local;Initial Catalog=pb;User ID=pb;Password=${QUOTED_SECRET};Extended Properties="PORT=5433;SSLMODE=require"`,
    );
    expect(target).toMatchObject({ family: 'postgresql', provider: 'PGNP.1' });
    expect(odbcString(target)).toBe(
      `Driver={PostgreSQL Unicode};Server=pg.local;Port=5433;Database=pb;Uid=pb;Pwd={${SECRET}};SSLmode=require;`,
    );
  });

  it('maps the PostgreSQL OLE DB Provider (Location is the database) and PostgreSQL.1', () => {
    expect(
      odbcString(
        map(
          'Provider=PostgreSQL OLE DB Provider;Data Source=127.0.0.1:5432;location=pb;User ID=pb;password=x',
        ),
      ),
    ).toBe('Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=5432;Database=pb;Uid=pb;Pwd=x;');
    expect(map('Provider=PostgreSQL.1;Data Source=db;User ID=u')).toMatchObject({
      family: 'postgresql',
    });
  });

  it('maps MySQLProv (Location is the server, Data Source the database) and MySQL.OLEDB', () => {
    expect(
      odbcString(
        map(
          'Provider=MySQLProv;Location=10.0.0.5;Data Source=telefon;User Id=pb;Password=x;Command Logging=false',
        ),
      ),
    ).toBe('Driver={MariaDB Unicode};Server=10.0.0.5;Database=telefon;User=pb;Password=x;');
    expect(
      odbcString(
        map('Provider=MySQL.OLEDB;Data Source=db,3307;Initial Catalog=pb;User ID=u;Password=p'),
      ),
    ).toBe('Driver={MariaDB Unicode};Server=db;Port=3307;Database=pb;User=u;Password=p;');
    expect(refusal(() => map('Provider=MySQLProv;Location=db;Integrated Security=SSPI')).code).toBe(
      'VALIDATION_FAILED',
    );
  });
});

describe('mapOledbConnectionString: what it refuses', () => {
  it('names every supported provider when the provider is unknown', () => {
    const error = refusal(() =>
      map(`Provider=OraOLEDB.Oracle;Data Source=ORCL;User Id=scott;Password=${QUOTED_SECRET}`),
    );
    expect(error.message).toMatch(
      /^source\.connectionString: provider "OraOLEDB\.Oracle" is not supported; supported providers: /,
    );
    for (const provider of SUPPORTED_OLEDB_PROVIDERS) expect(error.message).toContain(provider);
    expect(SUPPORTED_OLEDB_PROVIDERS).toHaveLength(15);
  });

  it('points an ODBC string without a provider to the odbc kind', () => {
    expect(
      refusal(() => map(`Driver={SQLite3};Database=/srv/pb.db;PWD=${QUOTED_SECRET}`)).message,
    ).toContain('use the kind odbc');
    expect(refusal(() => map('Data Source=/srv/tel.mdb')).message).toContain(
      'there is no Provider=',
    );
  });

  it('never puts a secret in a message, whatever went wrong', () => {
    const cases = [
      `Provider=Unknown.Provider;Password=${QUOTED_SECRET}`,
      `Provider=SQLOLEDB;Server=db,notaport;UID=u;PWD=${QUOTED_SECRET}`,
      `Provider=SQLOLEDB;Server=db;UID=u;PWD=${QUOTED_SECRET};Encrypt=maybe`,
      `Provider=MSDASQL;Password=${QUOTED_SECRET}`,
      `Provider=SQLOLEDB;Password=Geheim;x;UID=u`,
    ];
    for (const connectionString of cases) refusal(() => map(connectionString));
  });
});

describe('OledbSourceConfig', () => {
  it('wants exactly one of table and query, and a connection string that maps', () => {
    const base = { connectionString: 'Provider=MSDASQL;DSN=pb' };
    expect(OledbSourceConfig.safeParse({ ...base, table: 't' }).success).toBe(true);
    expect(OledbSourceConfig.safeParse({ ...base, query: 'SELECT 1' }).success).toBe(true);
    expect(OledbSourceConfig.safeParse(base).success).toBe(false);
    expect(OledbSourceConfig.safeParse({ ...base, table: 't', query: 'SELECT 1' }).success).toBe(
      false,
    );
    expect(OledbSourceConfig.safeParse({ ...base, table: 't', extra: 1 }).success).toBe(false);
    const bad = OledbSourceConfig.safeParse({
      connectionString: 'Provider=SQLOLEDB;Server=.;Integrated Security=SSPI',
      table: 't',
    });
    expect(bad.error?.issues[0]?.path).toEqual(['connectionString']);
    expect(bad.error?.issues[0]?.message).toContain('Windows authentication');
  });
});
