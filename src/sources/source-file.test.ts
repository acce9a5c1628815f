import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CtibookError } from '../domain/errors.js';
import type { SourceFileRules } from './source-file.js';
import { readSourceFile } from './source-file.js';

async function refusal(path: string, rules: SourceFileRules): Promise<CtibookError> {
  try {
    await readSourceFile('CSV file', path, rules);
  } catch (error) {
    expect(error).toBeInstanceOf(CtibookError);
    return error as CtibookError;
  }
  throw new Error(`${path} was read`);
}

describe('readSourceFile', () => {
  let dir: string;
  let root: string;
  let home: string;
  let outside: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-source-file-'));
    root = join(dir, 'exports');
    home = join(dir, 'home');
    outside = join(dir, 'elsewhere');
    for (const d of [root, home, outside]) mkdirSync(d);
    writeFileSync(join(root, 'book.csv'), 'id;name\n1;Anna\n');
    writeFileSync(join(home, 'ctibook.db'), 'SQLite format 3\u0000 secret hashes');
    writeFileSync(join(outside, 'secret.csv'), 'root:x:0:0:secret\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a regular file inside a root, and anywhere outside the home without roots', async () => {
    const rules = { home, roots: [root] };
    expect((await readSourceFile('CSV file', join(root, 'book.csv'), rules)).toString()).toBe(
      'id;name\n1;Anna\n',
    );
    expect((await readSourceFile('CSV file', join(outside, 'secret.csv'), { home })).length).toBe(
      18,
    );
    expect((await readSourceFile('CSV file', join(outside, 'secret.csv'))).length).toBe(18);
  });

  it('refuses a file outside the roots, naming the field and never its contents', async () => {
    for (const path of [
      '/etc/passwd',
      join(outside, 'secret.csv'),
      `${root}/../elsewhere/secret.csv`,
    ]) {
      const error = await refusal(path, { home, roots: [root] });
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.status).toBe(400);
      expect(error.details).toMatchObject({ field: 'source.path', reason: 'OUTSIDE_SOURCE_ROOTS' });
      expect(error.message).toMatch(
        /^source\.path: .* is outside the directories .*\(CTIBOOK_SOURCE_ROOTS: .*\/exports\)$/,
      );
      expect(JSON.stringify([error.message, error.details])).not.toMatch(/root:x|secret:/);
    }
  });

  it('does not tell whether a file outside the roots exists', async () => {
    const error = await refusal(join(outside, 'missing.csv'), { home, roots: [root] });
    expect(error.details?.reason).toBe('OUTSIDE_SOURCE_ROOTS');
    const inside = await refusal(join(root, 'missing.csv'), { home, roots: [root] });
    expect([inside.code, inside.message]).toEqual([
      'SOURCE_UNAVAILABLE',
      `CSV file ${join(root, 'missing.csv')} does not exist`,
    ]);
  });

  it('refuses a link inside a root that leads outside, and follows one that stays inside', async () => {
    symlinkSync(join(outside, 'secret.csv'), join(root, 'link.csv'));
    symlinkSync(outside, join(root, 'linked-dir'));
    symlinkSync(join(root, 'book.csv'), join(root, 'alias.csv'));
    const rules = { home, roots: [root] };
    for (const path of [join(root, 'link.csv'), join(root, 'linked-dir', 'secret.csv')]) {
      const error = await refusal(path, rules);
      expect(error.details?.reason).toBe('OUTSIDE_SOURCE_ROOTS');
      expect(error.message).toContain('leads to a file outside');
      expect(error.message).not.toContain(outside);
    }
    expect((await readSourceFile('CSV file', join(root, 'alias.csv'), rules)).length).toBe(15);
  });

  it('accepts a root that is itself a link', async () => {
    symlinkSync(root, join(dir, 'exports-link'));
    const rules = { home, roots: [join(dir, 'exports-link')] };
    expect((await readSourceFile('CSV file', join(root, 'book.csv'), rules)).length).toBe(15);
    expect(
      (await readSourceFile('CSV file', join(dir, 'exports-link', 'book.csv'), rules)).length,
    ).toBe(15);
  });

  it("refuses the home's files, with or without roots, also through a link", async () => {
    symlinkSync(join(home, 'ctibook.db'), join(root, 'store.csv'));
    for (const rules of [{ home }, { home, roots: [dir] }]) {
      for (const path of [
        join(home, 'ctibook.db'),
        join(root, 'store.csv'),
        join(home, 'nothing'),
      ]) {
        const error = await refusal(path, rules);
        expect(error.details).toMatchObject({ field: 'source.path', reason: 'INSIDE_HOME' });
        expect(error.message).not.toContain('secret hashes');
      }
    }
  });

  it('refuses directories, FIFOs, devices and kernel files without opening them', async () => {
    const fifo = join(root, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    const cases: [string, RegExp][] = [
      [root, /is a directory, not a regular file/],
      [fifo, /is a FIFO \(named pipe\), not a regular file/],
      ['/dev/zero', /is a device, not a regular file/],
      ['/proc/self/environ', /is a kernel file \(\/proc, \/sys\), not a regular file/],
    ];
    for (const [path, message] of cases) {
      const error = await refusal(path, { home });
      expect(error.details).toMatchObject({ field: 'source.path', reason: 'NOT_A_FILE' });
      expect(error.message).toMatch(message);
    }
    // A FIFO opened for reading would wait for a writer: the file is still there to be read.
    expect(readFileSync(join(root, 'book.csv'), 'utf8')).toBe('id;name\n1;Anna\n');
  });
});
