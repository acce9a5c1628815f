import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Slapd } from '../src/test-support/slapd.js';
import {
  PEOPLE_DN,
  ROOT_DN,
  ROOT_PASSWORD,
  person,
  startSlapd,
} from '../src/test-support/slapd.js';
import type { ServerProcess } from './support/server-process.js';
import { freePort, httpLogin, runCli, startServer } from './support/server-process.js';

const PASSWORD = 'cli-admin-2';
const FRUIT_MDB = fileURLToPath(new URL('./fixtures/fruit.mdb', import.meta.url));

type Result = { code: number | null; stdout: string; stderr: string };

describe('ctibook phonebook: external books, Update, preview, settings, import', () => {
  let dir = '';
  let server: ServerProcess;
  let env: Record<string, string>;
  let token = '';
  const cli = (...args: string[]): Promise<Result> => runCli(args, env);
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${server.url}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return (await response.json()) as T;
  };
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-cli-books-'));
    server = await startServer(['--home', join(dir, 'home')], {
      CTIBOOK_ADMIN_PASSWORD: PASSWORD,
    });
    env = { CTIBOOK_URL: server.url, CTIBOOK_USER: 'admin', CTIBOOK_PASSWORD: PASSWORD };
    token = await httpLogin(server.url, 'admin', PASSWORD);
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints help for every phonebook action', async () => {
    const overview = await cli('phonebook', '--help');
    expect(overview.code).toBe(0);
    for (const action of ['create', 'preview', 'update', 'settings', 'import']) {
      expect(overview.stdout).toContain(`phonebook ${action}`);
      const help = await cli('phonebook', action, '--help');
      expect(help.code, action).toBe(0);
      expect(help.stdout, action).toContain(`Usage: ctibook phonebook ${action}`);
    }
    expect((await cli('phonebook', 'create', '--help')).stdout).toContain('--password-env VAR');
    expect((await cli('phonebook', 'update', '--help')).stdout).toContain('every 500 ms');
    expect((await cli('phonebook', 'import', '--help')).stdout).toContain("server's machine");
  });

  it('creates a CSV book with --csv, and Update reports changes and skipped lines', async () => {
    const csv = file(
      'kunden.csv',
      'Nr;Vorname;Nachname;Firma;Telefon\n' +
        '1;Jörg;Groß;Groß AG;+49 89 5555-0\n' +
        '2;Anna;"Broken;Müller AG;+49 30 1234\n' +
        '3;Eva;Klein;;+49 40 999\n',
    );
    const created = await cli(
      'phonebook',
      'create',
      'Kunden',
      '--csv',
      csv,
      '--delimiter',
      ';',
      '--id-column',
      'Nr',
      '--cache-every',
      '2d',
      '--cache-at',
      '03:30',
    );
    expect(created.stderr).toBe('');
    expect(created.stdout).toContain('Created phone book Kunden (csv)');

    // The first update may join the book's first sync, a full one, which lists no skipped
    // rows yet (see the report); the next ones are changed-only syncs and list them.
    const first = await cli('phonebook', 'update', 'Kunden');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Kunden: (changed-only|full) sync done in/);
    expect(first.stderr).toContain('Updating Kunden:'); // plain progress lines: no TTY here
    const again = await cli('phonebook', 'update', 'Kunden');
    expect(again.stdout).toMatch(/unchanged\s+2\n\s+skipped\s+1\nSkipped rows:/);
    expect(again.stdout).toContain(`${csv}:3: unbalanced quote`);

    writeFileSync(
      csv,
      'Nr;Vorname;Nachname;Firma;Telefon\n' +
        '1;Jörg;Groß;Groß & Söhne AG;+49 89 5555-0\n' +
        '4;Paul;Neu;;+49 221 777\n' +
        'x;too;many;fields;1;2\n',
    );
    const second = await cli('phonebook', 'update', 'Kunden');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/added\s+1\n\s+updated\s+1\n\s+deleted\s+1\n\s+unchanged\s+0/);
    expect(second.stdout).toContain(`${csv}:4: 6 fields, expected 5`);

    const json = await cli('phonebook', 'update', 'Kunden', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ unchanged: 2, skipped: 1 });

    const settings = await cli('phonebook', 'settings', 'Kunden');
    expect(settings.stdout).toMatch(/Kind\s+csv/);
    expect(settings.stdout).toMatch(/Cache\s+changed records only, every 48 h, at 03:30/);
    expect(settings.stdout).toMatch(/idColumn\s+Nr/);
    expect(settings.stdout).toMatch(/firstName\s+← Vorname/);
    const list = await cli('phonebook', 'list');
    expect(list.stdout).toMatch(/Kunden\s+csv\s+2\s+read-only\s+ok \(last /);
  }, 60_000);

  it('lists the skipped rows up to 20, then "… and N more"', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => `${i};"broken;x`).join('\n');
    const good = Array.from({ length: 30 }, (_, i) => `g${i};Name ${i};+49 30 ${1000 + i}`);
    const csv = file('many.csv', `Nr;Name;Telefon\n${good.join('\n')}\n${rows}\n`);
    expect(
      (await cli('phonebook', 'create', 'Viele', '--csv', csv, '--id-column', 'Nr')).code,
    ).toBe(0);
    await cli('phonebook', 'update', 'Viele'); // may join the first (full) sync
    const update = await cli('phonebook', 'update', 'Viele');
    expect(update.code).toBe(0);
    expect(update.stdout).toMatch(/skipped\s+25/);
    expect(update.stdout.match(/many\.csv:\d+:/g)).toHaveLength(20);
    expect(update.stdout).toContain('… and 5 more');
  });

  it('shows row counts from sync-progress events', async () => {
    const csv = file('gross.csv', 'Nr;Name;Telefon\n1;Eins;+49 30 1\n');
    await cli('phonebook', 'create', 'Gross', '--csv', csv, '--cache-mode', 'full');
    expect((await cli('phonebook', 'update', 'Gross')).code).toBe(0);
    const lines = Array.from({ length: 12_000 }, (_, i) => `${i};Name ${i};+49 30 ${100000 + i}`);
    writeFileSync(csv, `Nr;Name;Telefon\n${lines.join('\n')}\n`);
    const update = await runCli(['phonebook', 'update', 'Gross'], env);
    expect(update.code).toBe(0);
    expect(update.stderr).toMatch(/Updating Gross: (reading|writing) 5,000/);
    expect(update.stdout).toMatch(/Gross: full sync done/);
    expect(update.stdout).toMatch(/added\s+12000/);
  }, 60_000);

  it('previews a source: columns, proposed mapping, first records', async () => {
    const csv = file(
      'vorschau.csv',
      'Vorname,Nachname,Telefon geschäftlich,Kundennummer\nJörg,Groß,+49 89 5555-0,K1\nEva,Klein,+49 40 999,K2\n',
    );
    const text = await cli('phonebook', 'preview', '--csv', csv);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      'Columns (4): Vorname, Nachname, Telefon geschäftlich, Kundennummer',
    );
    expect(text.stdout).toMatch(/firstName\s+← Vorname/);
    expect(text.stdout).toMatch(/businessPhone\s+← Telefon geschäftlich/);
    expect(text.stdout).toContain('(to extra: Kundennummer)');
    expect(text.stdout).toMatch(/Jörg Groß\s+Jörg\s+Groß\s+\+49 89 5555-0/);

    const json = await cli(
      'phonebook',
      'preview',
      '--kind',
      'csv',
      '--source',
      JSON.stringify({ path: csv, idColumn: 'Kundennummer' }),
      '--mapping',
      '{"lastName":"Nachname"}',
      '--limit',
      '1',
      '--json',
    );
    const preview = JSON.parse(json.stdout) as {
      mapping: Record<string, string>;
      records: { id: string; displayName: string }[];
    };
    expect(preview.mapping).toEqual({ lastName: 'Nachname' });
    expect(preview.records).toEqual([expect.objectContaining({ id: 'K1', displayName: 'Groß' })]);
  });

  describe('passwords', () => {
    let slapd: Slapd;
    beforeAll(async () => {
      slapd = await startSlapd({
        entries: [person('jdoe', { cn: 'Jane Doe', sn: 'Doe', telephoneNumber: '+49 89 123' })],
      });
    });
    afterAll(async () => slapd?.stop());

    it('never shows an ODBC or LDAP password, and the settings mask it', async () => {
      const database = join(dir, 'crm.sqlite');
      const db = new Database(database);
      db.exec(
        'CREATE TABLE people (id INTEGER PRIMARY KEY, firstname TEXT, lastname TEXT, phone TEXT, modified DATETIME)',
      );
      db.prepare('INSERT INTO people VALUES (1, ?, ?, ?, ?)').run(
        'Max',
        'Muster',
        '+49 89 1',
        '2026-01-01 10:00:00',
      );
      db.close();
      const outputs: Result[] = [];
      const run = async (extra: Record<string, string>, ...args: string[]): Promise<Result> => {
        const result = await runCli(args, { ...env, ...extra });
        outputs.push(result);
        return result;
      };
      const connection = `Driver={SQLite3};Database=${database};Pwd=secret;`;
      const odbcArgs = ['--table', 'people', '--id-column', 'id', '--modified-column', 'modified'];
      expect((await run({}, 'phonebook', 'preview', '--odbc', connection, ...odbcArgs)).code).toBe(
        0,
      );
      const crm = await run({}, 'phonebook', 'create', 'CRM', '--odbc', connection, ...odbcArgs);
      expect(crm.code).toBe(0);
      expect((await run({}, 'phonebook', 'update', 'CRM')).stdout).toMatch(/CRM: .* sync done/);
      const settings = await run({}, 'phonebook', 'settings', 'CRM');
      expect(settings.stdout).toMatch(
        /connectionString\s+Driver=\{SQLite3\};Database=.*;Pwd=\*{8};/,
      );
      expect(settings.stdout).toMatch(/modifiedAt\s+← modified/);
      await run({}, 'phonebook', 'settings', 'CRM', '--json');
      const fromEnv = await run(
        { CRM_PW: 'secret' },
        'phonebook',
        'create',
        'CRM2',
        '--odbc',
        `Driver={SQLite3};Database=${database}`,
        '--password-env',
        'CRM_PW',
        '--table',
        'people',
      );
      expect(fromEnv.code).toBe(0);
      const settings2 = await run({}, 'phonebook', 'settings', 'CRM2', '--json');
      expect(JSON.parse(settings2.stdout)).toMatchObject({
        source: { connectionString: `Driver={SQLite3};Database=${database};PWD=********;` },
      });
      const missingTable = await run(
        {},
        'phonebook',
        'create',
        'CRM3',
        '--odbc',
        connection,
        '--table',
        'nope',
      );
      expect(missingTable.code).toBe(1);
      expect(missingTable.stderr).toContain('Error SOURCE_NOT_FOUND');

      const ldap = [
        'phonebook',
        'create',
        'Directory',
        '--ldap-url',
        slapd.url,
        '--base-dn',
        PEOPLE_DN,
        '--bind-dn',
        ROOT_DN,
      ];
      const noPassword = await run({}, ...ldap);
      expect(noPassword.code).toBe(2);
      expect(noPassword.stderr).toContain('set the environment variable CTIBOOK_SOURCE_PASSWORD');
      const wrong = await run({ CTIBOOK_SOURCE_PASSWORD: 'wrong-secret' }, ...ldap);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain('Error SOURCE_AUTH_FAILED');
      const directory = await run({ CTIBOOK_SOURCE_PASSWORD: ROOT_PASSWORD }, ...ldap);
      expect(directory.code).toBe(0);
      expect((await run({}, 'phonebook', 'update', 'Directory')).stdout).toMatch(/added|unchanged/);
      const ldapSettings = await run({}, 'phonebook', 'settings', 'Directory');
      expect(ldapSettings.stdout).toMatch(/bindPassword\s+\*{8}/);
      await run({}, 'phonebook', 'settings', 'Directory', '--json');
      await run({}, 'phonebook', 'list', '--json');

      for (const output of outputs) {
        expect(output.stdout + output.stderr).not.toContain('secret');
      }
    }, 90_000);
  });

  it('imports a CSV file into a builtin book, keeping ids, listing what it skipped', async () => {
    expect((await cli('phonebook', 'create', 'Ziel')).code).toBe(0);
    const csv = file(
      'alt.csv',
      'Nr,Name,Telefon\n' +
        'A1,Alpha GmbH,+49 89 100\n' +
        'A2,"Beta,+49 89 200\n' +
        'A3,Gamma KG,n/a\n' +
        'A4,Delta AG,+49 89 400\n',
    );
    const imported = await cli('phonebook', 'import', csv, '--into', 'Ziel', '--id-column', 'Nr');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain(`Imported 2 of 3 contacts from ${csv} into Ziel.`);
    expect(imported.stdout).toContain('Skipped 2:');
    expect(imported.stdout).toContain(`${csv}:3: unbalanced quote`);
    expect(imported.stdout).toContain('Gamma KG (id A3): INVALID_NUMBER');
    const alpha = await api<{ displayName: string; businessPhone: string; extra: object }>(
      '/api/v1/phonebooks/Ziel/contacts/A1',
    );
    expect(alpha).toMatchObject({ displayName: 'Alpha GmbH', businessPhone: '+49 89 100' });

    const again = await cli(
      'phonebook',
      'import',
      csv,
      '--into',
      'Ziel',
      '--id-column',
      'Nr',
      '--existing',
      'skip',
      '--json',
    );
    const summary = JSON.parse(again.stdout) as {
      imported: number;
      present: number;
      skipped: number;
      errors: { at: string; reason: string }[];
      temporaryBook: string;
    };
    expect(summary).toMatchObject({ imported: 0, present: 2, skipped: 2 });
    expect(summary.errors.map((e) => e.at)).toEqual([`${csv}:3`, 'Gamma KG (id A3)']);
    const newIds = await cli('phonebook', 'import', csv, '--into', 'Ziel', '--id-column', 'Nr');
    expect(newIds.stdout).toContain('Imported 2 of 3 contacts');
    expect(newIds.stdout).toContain('2 got a new id, theirs was taken');
    expect((await api<{ total: number }>('/api/v1/phonebooks/Ziel/contacts')).total).toBe(4);

    writeFileSync(csv, 'Nr,Name,Telefon\nA1,Alpha GmbH,+49 89 101\nA4,Delta AG,+49 89 400\n');
    const replaced = await cli(
      'phonebook',
      'import',
      csv,
      '--into',
      'Ziel',
      '--id-column',
      'Nr',
      '--existing',
      'replace',
    );
    expect(replaced.stdout).toContain('Imported 2 of 2 contacts');
    expect(replaced.stdout).toContain('2 replaced contacts of the same id');
    const alpha2 = await api<{ businessPhone: string }>('/api/v1/phonebooks/Ziel/contacts/A1');
    expect(alpha2.businessPhone).toBe('+49 89 101');
    expect((await api<{ total: number }>('/api/v1/phonebooks/Ziel/contacts')).total).toBe(4);

    const books = await cli('phonebook', 'list');
    expect(books.stdout).not.toContain('import-');
    expect((await cli('phonebook', 'trash')).stdout).toContain(summary.temporaryBook);
  });

  it('imports a file larger than offset paging reaches (over 11,000 rows) through the change feed', async () => {
    // 11,100 records, one in 111 with a number: the others are refused at once (an
    // unreadable number), which keeps the test fast while every page is still read.
    const rows = Array.from(
      { length: 11_100 },
      (_, i) => `R${i};Name ${i};${i % 111 === 110 ? `+49 30 ${100000 + i}` : 'unbekannt'}`,
    );
    const csv = file('gross-alt.csv', `Nr;Name;Telefon\n${rows.join('\n')}\n`);
    await cli('phonebook', 'create', 'Archiv');
    const imported = await cli('phonebook', 'import', csv, '--into', 'Archiv', '--id-column', 'Nr');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('Imported 100 of 11100 contacts');
    expect(imported.stdout).toContain('Skipped 11000:');
    expect(imported.stdout).toContain('… and 10980 more');
    expect(imported.stderr).toContain('Importing into Archiv: copied 11,100 of 11,100');
    const book = await api<{ contactCount: number }>('/api/v1/phonebooks/Archiv');
    expect(book.contactCount).toBe(100);
    const last = await api<{ businessPhone: string }>('/api/v1/phonebooks/Archiv/contacts/R11099');
    expect(last.businessPhone).toBe('+49 30 111099');
  }, 120_000);

  it('imports a table of an Access file into a builtin book', async () => {
    await cli('phonebook', 'create', 'Obst');
    const noTable = await cli('phonebook', 'import', FRUIT_MDB, '--into', 'Obst');
    expect(noTable.code).toBe(2);
    expect(noTable.stderr).toContain('--table T is needed for an Access file');
    const imported = await cli(
      'phonebook',
      'import',
      FRUIT_MDB,
      '--into',
      'Obst',
      '--table',
      'Fruit',
      '--mapping',
      '{"displayName":"Fruit"}',
    );
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain(`Imported 37 of 37 contacts from ${FRUIT_MDB} into Obst.`);
    const page = await api<{ items: { displayName: string; extra: Record<string, string> }[] }>(
      '/api/v1/phonebooks/Obst/contacts?q=apricot',
    );
    expect(page.items).toEqual([
      expect.objectContaining({
        displayName: 'Apricot',
        extra: expect.objectContaining({ 'Vit A': '420' }),
      }),
    ]);
    const intoExternal = await cli(
      'phonebook',
      'import',
      FRUIT_MDB,
      '--into',
      'Kunden',
      '--table',
      'Fruit',
    );
    expect(intoExternal.code).toBe(1);
    expect(intoExternal.stderr).toContain(
      'Error CONFLICT: Kunden is a csv book: import copies into builtin books',
    );
  });

  it('refuses to import into a write-protected book with the error code the server would give', async () => {
    await cli('phonebook', 'create', 'Lieferanten', '--read-only');
    const csv = file('lieferanten.csv', 'Name;Telefon\nA;+49 30 1\n');
    const refused = await cli('phonebook', 'import', csv, '--into', 'Lieferanten');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'Error PHONEBOOK_READ_ONLY: Lieferanten is write-protected (read-only): nothing can be added\n',
    );
    expect((await cli('phonebook', 'list')).stdout).not.toContain('import-');
  });

  it('says clearly what went wrong', async () => {
    const kind = await cli('phonebook', 'create', 'X', '--kind', 'frob');
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('--kind frob is not a phone book kind (builtin, csv, odbc');
    const both = await cli('phonebook', 'create', 'X', '--kind', 'ldap', '--csv', '/tmp/a.csv');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--kind ldap contradicts the csv flags');
    const unknownFlag = await cli('phonebook', 'update', 'Kunden', '--csv', 'x.csv');
    expect(unknownFlag.code).toBe(2);
    const missing = await cli('phonebook', 'create', 'X', '--csv', join(dir, 'none.csv'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error SOURCE_UNAVAILABLE');
    const refused = await cli(
      'phonebook',
      'preview',
      '--ldap-url',
      `ldap://127.0.0.1:${await freePort()}`,
      '--base-dn',
      'dc=example,dc=org',
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Error SOURCE_UNAVAILABLE: .*refused the connection/);
    const builtin = await cli('phonebook', 'update', 'Global.Phonebook');
    expect(builtin.code).toBe(1);
    expect(builtin.stderr).toContain('Error CONFLICT');

    await cli('phonebook', 'create', 'Leer');
    const bad = Array.from({ length: 15 }, (_, i) => `${i};"kaputt`).join('\n');
    const broken = file('kaputt.csv', `Nr;Name\n1;Gut\n${bad}\n`);
    const unreadable = await cli('phonebook', 'import', broken, '--into', 'Leer');
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain(`${broken} could not be read; nothing was imported.`);
    expect(unreadable.stderr).toContain('Error SOURCE_REJECTED');
    expect(unreadable.stderr).toContain(
      `Rows that could not be read:\n  ${broken}:3: unbalanced quote`,
    );
    expect((await cli('phonebook', 'list')).stdout).not.toContain('import-');

    const csv = file('weg.csv', 'Name;Telefon\nA;+49 30 1\n');
    await cli('phonebook', 'create', 'Weg', '--csv', csv);
    await cli('phonebook', 'update', 'Weg');
    unlinkSync(csv);
    const failed = await cli('phonebook', 'update', 'Weg');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('Weg: the sync failed; the book keeps its previous copy.');
    expect(failed.stderr).toContain('Error SOURCE_UNAVAILABLE');
    const failedJson = await cli('phonebook', 'update', 'Weg', '--json');
    expect(failedJson.code).toBe(1);
    expect(JSON.parse(failedJson.stdout)).toMatchObject({ error: { code: 'SOURCE_UNAVAILABLE' } });
  }, 60_000);
});
