import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PhonebookRecord } from '../store/phonebook-store.js';
import { ServerNoteFiles, noteFileName } from './server-note-files.js';

const BOOK: PhonebookRecord = {
  id: 1,
  name: 'Kunden',
  kind: 'csv',
  config: { readOnly: true, notes: 'server' },
  seq: 0,
  resetSeq: 0,
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('noteFileName', () => {
  it('gives every id a safe, distinct, readable name', () => {
    const ids = [
      'K1',
      'k1',
      '../etc/passwd',
      '..',
      '.',
      'a/b\\c',
      'Müller, Jürgen',
      'x'.repeat(500),
    ];
    const names = ids.map(noteFileName);
    expect(new Set(names).size).toBe(ids.length);
    for (const name of names) {
      expect(name).toMatch(/^[A-Za-z0-9_-]*~[bh][A-Za-z0-9_-]+\.json$/);
      expect(name).not.toContain('..');
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(170);
    }
    expect(noteFileName('K1')).toBe(`K1~b${Buffer.from('K1').toString('base64url')}.json`);
    expect(noteFileName('Müller, Jürgen')).toMatch(/^Mu_ller_Ju_rgen~/);
    expect(noteFileName('x'.repeat(500))).toMatch(/~h[\w-]{43}\.json$/);
  });
});

describe('ServerNoteFiles', () => {
  let dir: string;
  let files: ServerNoteFiles;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-notes-'));
    files = new ServerNoteFiles(() => dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every version in one JSON file per record, written atomically', async () => {
    expect(await files.current(BOOK, '../K1')).toMatchObject({ text: '', etag: null });
    const first = await files.save(BOOK, '../K1', 'eins', undefined, 'vera', 't1');
    expect(first).toEqual({ text: 'eins', etag: '"v1"', updatedAt: 't1', updatedBy: 'vera' });
    await files.save(BOOK, '../K1', 'zwei', '"v1"', 'otto', 't2');
    expect((await files.history(BOOK, '../K1')).map((v) => v.text)).toEqual(['zwei', 'eins']);
    expect(readdirSync(dir)).toEqual([noteFileName('../K1')]);
    const stored = JSON.parse(readFileSync(join(dir, noteFileName('../K1')), 'utf8')) as unknown;
    expect(stored).toMatchObject({ id: '../K1', versions: [{ version: 1 }, { version: 2 }] });
  });

  it('refuses a save without If-Match once a note exists, and a stale one', async () => {
    await files.save(BOOK, 'K1', 'eins', undefined, 'vera', 't1');
    await expect(files.save(BOOK, 'K1', 'x', undefined, 'otto', 't2')).rejects.toMatchObject({
      code: 'PRECONDITION_REQUIRED',
    });
    await expect(files.save(BOOK, 'K1', 'x', '"v7"', 'otto', 't2')).rejects.toMatchObject({
      code: 'STALE_ETAG',
      details: { current: { text: 'eins', etag: '"v1"' } },
    });
    await expect(files.save(BOOK, 'K2', 'x', '*', 'otto', 't2')).rejects.toMatchObject({
      code: 'STALE_ETAG',
    });
    expect((await files.current(BOOK, 'K1')).text).toBe('eins');
  });

  it('reports a damaged file instead of overwriting it', async () => {
    writeFileSync(join(dir, noteFileName('K1')), '{"id": "K1", "versio');
    await expect(files.current(BOOK, 'K1')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(files.save(BOOK, 'K1', 'x', undefined, 'vera', 't')).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(readFileSync(join(dir, noteFileName('K1')), 'utf8')).toBe('{"id": "K1", "versio');
  });
});
