import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Ctibook } from './app.js';
import { createCtibook } from './app.js';

const modeOf = (file: string): number => statSync(file).mode & 0o777;

describe('the home of a server', () => {
  let home: string;
  let opened: Ctibook[];

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'ctibook-app-'));
    opened = [];
  });
  afterEach(async () => {
    for (const app of opened) await app.close();
    rmSync(home, { recursive: true, force: true });
  });

  const open = async (): Promise<Ctibook> => {
    const app = await createCtibook({
      home,
      adminPassword: 'admin-secret-1',
      logger: pino({ level: 'silent' }),
      synchronous: 'NORMAL',
      schedule: false,
    });
    opened.push(app);
    return app;
  };
  const lockFile = (): string => join(home, 'server.lock');

  describe('lock', () => {
    it('lets one server at a time run on a home, and the next start after it stopped', async () => {
      const first = await open();
      expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
      const second = open();
      await expect(second).rejects.toMatchObject({
        code: 'CONFLICT',
        message: expect.stringContaining(
          `Another ctibook server (process ${process.pid}) is running on home ${home}`,
        ),
        details: { home, pid: process.pid, lockFile: lockFile() },
      });
      // The refused start changed nothing of the running server's.
      expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
      expect(first.stores.books.list().length).toBeGreaterThan(0);
      await first.close();
      expect(existsSync(lockFile())).toBe(false);
      const third = await open();
      expect(third.stores.books.list().length).toBeGreaterThan(0);
    });

    it('refuses to start while another live process holds the lock', async () => {
      writeFileSync(lockFile(), `${process.ppid}\n`);
      await expect(open()).rejects.toThrow(
        `Another ctibook server (process ${process.ppid}) is running on home ${home}; stop it first, or delete ${lockFile()} if no ctibook runs there`,
      );
      expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.ppid}\n`);
    });

    it('takes over the lock of a process that is gone, or of an earlier run with its own id', async () => {
      const gone = spawnSync(process.execPath, ['-e', '']).pid;
      for (const stale of [`${gone}\n`, `${process.pid}\n`, '', 'garbage']) {
        writeFileSync(lockFile(), stale);
        const app = await open();
        expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
        await app.close();
        expect(existsSync(lockFile())).toBe(false);
      }
    });
  });

  describe('modes', () => {
    it('creates the store 0600, its WAL too', async () => {
      const app = await open();
      app.db.exec('CREATE TABLE probe (x); INSERT INTO probe VALUES (1)');
      expect(modeOf(home)).toBe(0o700);
      for (const file of ['ctibook.db', 'ctibook.db-wal', 'ctibook.db-shm']) {
        expect(modeOf(join(home, file)), file).toBe(0o600);
      }
    });

    it('takes group and others’ access away from an existing home and store', async () => {
      const first = await open();
      first.db.exec('CREATE TABLE probe (x)');
      await first.close();
      opened = [];
      chmodSync(home, 0o755);
      for (const file of ['ctibook.db', 'ctibook.db-wal', 'ctibook.db-shm']) {
        if (existsSync(join(home, file))) chmodSync(join(home, file), 0o644);
      }
      const again = await open();
      again.db.exec('INSERT INTO probe VALUES (1)');
      expect(modeOf(home)).toBe(0o700);
      for (const file of ['ctibook.db', 'ctibook.db-wal', 'ctibook.db-shm']) {
        expect(modeOf(join(home, file)), file).toBe(0o600);
      }
    });
  });
});
