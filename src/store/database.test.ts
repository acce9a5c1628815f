import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LOCATION, createNumberNormalizer } from '../domain/phone-number.js';
import { prepareContact } from './contact-rows.js';
import { MIGRATIONS, STORE_FILE_MODE, openDatabase } from './database.js';

const numbers = createNumberNormalizer({ ...DEFAULT_LOCATION, areaCode: '89' });

describe('schema migrations', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-migrate-'));
    file = join(dir, 'store.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the phone rows of an earlier store their company and rank', () => {
    // A store as the release before the company columns left it.
    const old = new Database(file);
    for (const step of MIGRATIONS.slice(0, 2)) old.exec(step);
    old.pragma('user_version = 2');
    old.exec(`INSERT INTO phonebooks (id, name, kind, config, created_at)
      VALUES (1, 'A', 'builtin', '{}', 'now')`);
    const contact = old.prepare(`INSERT INTO contacts
      (rowid, book_id, id, data, display_name, company, name_key, etag, updated_at, seq)
      VALUES (?, 1, ?, '{}', ?, ?, '', '', '', 1)`);
    contact.run(1, 'main', 'Acme GmbH', 'Acme GmbH');
    contact.run(2, 'clerk', 'Carl Clerk', 'Acme GmbH');
    contact.run(3, 'private', 'Pia Private', null);
    const phone =
      old.prepare(`INSERT INTO phones (contact_rowid, book_id, field, raw, canonical, base)
      VALUES (?, 1, ?, '', ?, ?)`);
    phone.run(1, 'businessPhone', '+498947110', '+49894711');
    phone.run(2, 'businessPhone', '+4989471123', '+49894711');
    phone.run(2, 'mobilePhone', '+491511234567', null);
    phone.run(3, 'businessPhone', '+4989471199', '+49894711');
    old.close();

    const db = openDatabase(file);
    const rows = db
      .prepare('SELECT contact_rowid, field, company, company_rank FROM phones ORDER BY rowid')
      .raw()
      .all();
    expect(rows).toEqual([
      [1, 'businessPhone', 'Acme GmbH', 0],
      [2, 'businessPhone', 'Acme GmbH', 2],
      [2, 'mobilePhone', null, null],
      [3, 'businessPhone', null, null],
    ]);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
  });

  it('gives new phone rows the company and rank the migration gives old ones', () => {
    const entry = prepareContact(
      'acme',
      { company: 'Acme GmbH', businessPhone: '089 4711-0' },
      numbers,
    );
    const clerk = prepareContact(
      'clerk',
      {
        firstName: 'Carl',
        company: 'Acme GmbH',
        businessPhone: '089 4711-23',
        homePhone: '089 5555',
      },
      numbers,
    );
    expect(entry.phones.map((p) => [p.company, p.companyRank])).toEqual([['Acme GmbH', 0]]);
    expect(clerk.phones.map((p) => [p.field, p.company, p.companyRank])).toEqual([
      ['businessPhone', 'Acme GmbH', 2],
      ['homePhone', null, null],
    ]);
  });
});

describe('openDatabase', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-store-mode-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const modes = (file: string): number[] =>
    [file, `${file}-wal`, `${file}-shm`].map((f) => statSync(f).mode & 0o777);

  it('creates the store, its WAL and shared memory 0600', () => {
    const file = join(dir, 'new.db');
    const db = openDatabase(file);
    db.exec('CREATE TABLE probe (x)');
    expect(modes(file)).toEqual([STORE_FILE_MODE, STORE_FILE_MODE, STORE_FILE_MODE]);
    db.close();
  });

  it('makes an existing world-readable store, WAL and shared memory 0600', () => {
    const file = join(dir, 'old.db');
    const earlier = new Database(file);
    earlier.pragma('journal_mode = WAL');
    earlier.exec('CREATE TABLE probe (x); INSERT INTO probe VALUES (1)');
    for (const f of [file, `${file}-wal`, `${file}-shm`]) chmodSync(f, 0o644);
    const db = openDatabase(file);
    expect(modes(file)).toEqual([STORE_FILE_MODE, STORE_FILE_MODE, STORE_FILE_MODE]);
    expect(db.prepare('SELECT x FROM probe').pluck().get()).toBe(1);
    db.close();
    earlier.close();
  });
});
