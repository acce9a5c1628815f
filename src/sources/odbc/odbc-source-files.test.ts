import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceFileRules } from '../source-file.js';
import { odbcQueryKind } from '../odbc-query/odbc-query-kind.js';
import { odbcKind } from './odbc-kind.js';

describe('ODBC connection strings that name a file', () => {
  let dir: string;
  let home: string;
  let root: string;
  const sqliteFile = (path: string): void => {
    const db = new Database(path);
    db.exec(
      "CREATE TABLE people (id TEXT PRIMARY KEY, name TEXT); INSERT INTO people VALUES ('1', 'Ana')",
    );
    db.close();
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-odbc-files-'));
    home = join(dir, 'home');
    root = join(dir, 'exports');
    mkdirSync(home);
    mkdirSync(root);
    sqliteFile(join(home, 'ctibook.db'));
    sqliteFile(join(root, 'crm.db'));
    sqliteFile(join(dir, 'elsewhere.db'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const open = async (database: string, files: SourceFileRules) => {
    const connector = odbcKind.create(
      {
        connectionString: `Driver={SQLite3};Database=${database};`,
        table: 'people',
        idColumn: 'id',
      },
      { writable: false, files },
    );
    try {
      await connector.open();
      return 'opened';
    } finally {
      await connector.close();
    }
  };
  const refusal = (reason: string) =>
    expect.objectContaining({
      code: 'VALIDATION_FAILED',
      details: expect.objectContaining({ field: 'source.connectionString', reason }),
    });

  it("refuses the server's own store, also as a SQLite URI or through odbc-query", async () => {
    const rules = { home };
    await expect(open(join(home, 'ctibook.db'), rules)).rejects.toEqual(refusal('INSIDE_HOME'));
    await expect(open(`file:${join(home, 'ctibook.db')}?mode=ro`, rules)).rejects.toEqual(
      refusal('INSIDE_HOME'),
    );
    const query = odbcQueryKind.create(
      {
        connectionString: `Driver={SQLite3};Database=${join(home, 'ctibook.db')};`,
        query: 'SELECT id, name FROM people',
      },
      { writable: false, files: rules },
    );
    await expect(query.open()).rejects.toEqual(refusal('INSIDE_HOME'));
    await query.close();
  });

  it('refuses a file outside CTIBOOK_SOURCE_ROOTS, opens one inside', async () => {
    const rules = { home, roots: [root] };
    await expect(open(join(dir, 'elsewhere.db'), rules)).rejects.toEqual(
      refusal('OUTSIDE_SOURCE_ROOTS'),
    );
    expect(await open(join(root, 'crm.db'), rules)).toBe('opened');
    expect(await open(join(dir, 'elsewhere.db'), { home })).toBe('opened');
  });
});
