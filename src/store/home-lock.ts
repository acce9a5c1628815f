import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { CtibookError } from '../domain/errors.js';
import type { Home } from './home.js';

/** Homes a server of this process holds: the lock file alone cannot tell them (same pid). */
const held = new Set<string>();

/**
 * One server per home: `<home>/server.lock` holds the process id of the server running on
 * it. Two servers on one home would both sync, both rewrite `folder_cfg.ini`, and the
 * second would empty the first's `tmp/`. A lock whose process is gone (a crash, a kill -9)
 * is taken over; so is one holding this process's own id when this process does not hold
 * it (the id of an earlier run, reused: in a container the server is often process 1).
 */
export class HomeLock {
  readonly #home: Home;
  /** The home's real path: the key of {@link held}. */
  readonly #key: string;
  #released = false;

  private constructor(home: Home, key: string) {
    this.#home = home;
    this.#key = key;
  }

  /**
   * Takes the home's lock.
   * @throws CtibookError CONFLICT naming the home and the process id when a server runs on it.
   */
  static acquire(home: Home): HomeLock {
    const file = home.lockFile;
    const key = realpathSync(home.root);
    if (held.has(key)) throw running(home, process.pid);
    for (let attempt = 0; attempt < 3; attempt++) {
      if (create(file)) {
        held.add(key);
        return new HomeLock(home, key);
      }
      const owner = ownerOf(file);
      if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
        throw running(home, owner);
      }
      // Stale; read again just before it goes, so that a lock taken meanwhile stays.
      if (ownerOf(file) === owner) rmSync(file, { force: true });
    }
    throw running(home, ownerOf(file));
  }

  /** Gives the lock up (the server stopped). Safe twice. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    held.delete(this.#key);
    if (ownerOf(this.#home.lockFile) === process.pid) rmSync(this.#home.lockFile, { force: true });
  }
}

/**
 * Creates the lock file holding this process's id, complete or not at all (written beside
 * it, then linked into place: a link fails when the name exists). False when it exists.
 */
function create(file: string): boolean {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, `${process.pid}\n`, { mode: 0o600 });
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(temp, { force: true });
  }
}

/** The process id in the lock file; undefined when it is gone or holds none. */
function ownerOf(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function running(home: Home, pid: number | undefined): CtibookError {
  return new CtibookError(
    'CONFLICT',
    `Another ctibook server${pid === undefined ? '' : ` (process ${pid})`} is running on home ${home.root}; stop it first, or delete ${home.lockFile} if no ctibook runs there`,
    { home: home.root, pid, lockFile: home.lockFile },
  );
}
