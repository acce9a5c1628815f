import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { Client } from 'ldapts';
import { CSV_COLUMNS, LDAP_MORE_BASE, LDAP_SYNC_BASE, writeExports } from './export.js';
import { contactAt } from './generate.js';
import { lookupFilter } from './scenarios/load.js';
import { searchFilter } from './scenarios/lookup-anchor.js';
import { ROOT_DN, ROOT_PASSWORD, SUFFIX, loadLdif, startBenchSlapd } from './scenarios/slapd.js';

const COUNT = 400;
const SEED = 11;
const dir = mkdtempSync(join(tmpdir(), 'ctibook-export-test-'));
const files = {
  csv: join(dir, 'c.csv'),
  csv1252: join(dir, 'c-1252.csv'),
  ldif: join(dir, 'c.ldif'),
  sql: join(dir, 'c.sql'),
};
const contacts = Array.from({ length: COUNT }, (_, i) => contactAt(SEED, COUNT, i));
const written = writeExports({ count: COUNT, seed: SEED, files });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Row = Record<string, string>;

describe('benchmark exports', () => {
  it('writes a CSV that parses back to the generated contacts', async () => {
    await written;
    const rows = parse(readFileSync(files.csv), { columns: true, delimiter: ';' }) as Row[];
    expect(rows).toHaveLength(COUNT);
    expect(Object.keys(rows[0] ?? {})).toEqual([...CSV_COLUMNS]);
    rows.forEach((row, i) => {
      const c = contacts[i];
      expect(row.id).toBe(c?.id);
      expect(row.lastName).toBe(c?.data.lastName ?? '');
      expect(row.businessPhone).toBe(c?.data.businessPhone ?? '');
    });
    // Names with umlauts, ß or accents are there to be mangled by a wrong encoding.
    expect(rows.some((r) => /[äöüßéè]/i.test(`${r.firstName}${r.lastName}${r.city}`))).toBe(true);
  });

  it('writes the same CSV in Windows-1252', async () => {
    await written;
    const bytes = readFileSync(files.csv1252);
    expect(bytes.includes(Buffer.from('ü', 'utf8'))).toBe(false);
    const decoded = iconv.decode(bytes, 'windows-1252');
    const utf8 = readFileSync(files.csv, 'utf8');
    // Equal except where Windows-1252 lacks a character (written as "?").
    expect(decoded.length).toBe(utf8.length);
    let lost = 0;
    for (let i = 0; i < utf8.length; i++) if (decoded[i] !== utf8[i]) lost++;
    expect(lost).toBeLessThan(utf8.length / 1000);
  });

  it('writes SQL that creates and fills the table', async () => {
    await written;
    const db = new Database(':memory:');
    db.exec(readFileSync(files.sql, 'utf8'));
    expect(db.prepare('SELECT count(*) FROM contacts').pluck().get()).toBe(COUNT);
    const first = db.prepare('SELECT * FROM contacts WHERE id = ?').get(contacts[0]?.id) as Row;
    expect(first.company ?? null).toBe(contacts[0]?.data.company ?? null);
    expect(readFileSync(files.sql, 'utf8')).not.toContain('\\');
    db.close();
  });

  it('writes LDIF that slapadd loads and slapd answers the benchmark filters on', async () => {
    await written;
    const slapdDir = join(dir, 'slapd');
    loadLdif(slapdDir, files.ldif);
    const slapd = await startBenchSlapd(slapdDir, 0);
    const client = new Client({ url: slapd.url });
    try {
      await client.bind(ROOT_DN, ROOT_PASSWORD);
      const all = await client.search(SUFFIX, {
        filter: '(objectClass=inetOrgPerson)',
        attributes: ['uid'],
      });
      expect(all.searchEntries).toHaveLength(COUNT);
      const people = await client.search(LDAP_SYNC_BASE, {
        filter: '(uid=*)',
        attributes: ['uid'],
      });
      expect(people.searchEntries).toHaveLength(COUNT); // fewer than 100,000: all under ou=people
      await expect(client.search(LDAP_MORE_BASE, { scope: 'base' })).resolves.toBeTruthy();
      // A number as written finds its contact; telephoneNumberMatch ignores spaces and dashes.
      const c = contacts.find((x) => x.data.businessPhone?.includes(' ') && x.kind === 'staff');
      const number = c?.data.businessPhone ?? '';
      const hit = await client.search(SUFFIX, {
        filter: lookupFilter(number.replaceAll(' ', '')),
        attributes: ['uid'],
      });
      expect(hit.searchEntries.map((e) => e.uid)).toContain(c?.id);
      const lastName = contacts.find((x) => x.data.lastName && x.data.firstName)?.data;
      const two = await client.search(SUFFIX, {
        filter: searchFilter(
          `${lastName?.firstName ?? ''} ${lastName?.lastName?.slice(0, 3) ?? ''}`,
        ),
        attributes: ['cn'],
      });
      expect(two.searchEntries.length).toBeGreaterThan(0);
    } finally {
      await client.unbind();
      await slapd.stop();
    }
    expect(() => execFileSync('kill', ['-0', String(slapd.pid)], { stdio: 'ignore' })).toThrow();
  });
});
