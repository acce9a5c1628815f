import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open, realpath, stat, statfs } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { CtibookError, invalidField } from '../domain/errors.js';

/**
 * Which files the sources may open or name (a CSV export, an Access database, a database
 * file of an ODBC string, an LDAP CA file), as the server operator set them. Plain data, so that a sync's
 * worker can be handed it with its job.
 */
export interface SourceFileRules {
  /** ctibook's home: nothing in it (the store, folder configs with passwords, notes) is a source. */
  home?: string;
  /**
   * `CTIBOOK_SOURCE_ROOTS`: when set, a source file's real path (symlinks resolved) must lie
   * inside one of these directories. Unset: any regular file the server can read.
   */
  roots?: readonly string[];
}

/** Kernel file systems whose "files" are the server's own state (environment, memory), not data. */
const KERNEL_FILE_SYSTEMS: ReadonlySet<number> = new Set([
  0x9fa0, // proc
  0x62656572, // sysfs
  0x64626720, // debugfs
  0x74726163, // tracefs
  0x73636673, // securityfs
]);

/**
 * Opens a source file for reading once `rules` allow it: the one gate every file source
 * passes, for previews, live reads, syncs and write-backs alike. Refused are a path inside
 * ctibook's home, a path outside the roots (when set; checked on the real path, so a link
 * inside a root that leads out is refused too), and anything but a regular file (a
 * directory, a FIFO, a device, a file of /proc or /sys). The caller closes the handle.
 *
 * @param what - what the file is, e.g. `'CSV file'`
 * @throws CtibookError VALIDATION_FAILED on `source.path`, `details.reason` one of
 *   `INSIDE_HOME`, `OUTSIDE_SOURCE_ROOTS`, `NOT_A_FILE`, when the rules refuse the file
 *   (never with anything of its contents); SOURCE_UNAVAILABLE when it cannot be read.
 */
export async function openSourceFile(
  what: string,
  path: string,
  rules: SourceFileRules = {},
): Promise<FileHandle> {
  const real = await allowedPath(what, path, rules);
  let handle: FileHandle;
  try {
    // Non-blocking: a FIFO put in the file's place since the check must not hang the open.
    handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    throw unreadableFile(what, path, error);
  }
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    throw notAFile(path, info);
  }
  return handle;
}

/** The whole of a source file, read through {@link openSourceFile}. */
export async function readSourceFile(
  what: string,
  path: string,
  rules: SourceFileRules = {},
): Promise<Buffer> {
  const handle = await openSourceFile(what, path, rules);
  try {
    return await handle.readFile();
  } catch (error) {
    throw unreadableFile(what, path, error);
  } finally {
    await handle.close();
  }
}

/**
 * Checks a file a database driver will open by its own means (an ODBC connection string's
 * `Database=` of SQLite, `DBQ=` of an Access driver) against `rules`, as
 * {@link openSourceFile} does, refusing on `field`.
 * @throws CtibookError VALIDATION_FAILED on `field`; SOURCE_UNAVAILABLE when it cannot be read.
 */
export async function checkSourceFile(
  what: string,
  path: string,
  rules: SourceFileRules,
  field: string,
): Promise<void> {
  await allowedPath(what, path, rules, field);
}

/** The real path of a file the rules allow; checked before it is opened (see `openSourceFile`). */
async function allowedPath(
  what: string,
  path: string,
  rules: SourceFileRules,
  field = 'source.path',
): Promise<string> {
  const given = resolve(path);
  const home = rules.home === undefined ? [] : await bothForms(rules.home);
  const roots =
    rules.roots === undefined ? undefined : (await Promise.all(rules.roots.map(bothForms))).flat();
  if (home.some((dir) => isInside(given, dir))) throw insideHome(path, field);
  let real: string;
  try {
    real = await realpath(given);
  } catch (error) {
    // Outside the roots, whether a file exists is none of the admin's business.
    if (roots && !roots.some((dir) => isInside(given, dir))) throw outsideRoots(path, rules, field);
    throw unreadableFile(what, path, error);
  }
  if (home.some((dir) => isInside(real, dir))) throw insideHome(path, field);
  if (roots && !roots.some((dir) => isInside(real, dir)))
    throw outsideRoots(path, rules, field, real);
  let info: Stats;
  try {
    // Before opening: opening a device may do something (rewind a tape, arm a watchdog).
    info = await stat(real);
  } catch (error) {
    throw unreadableFile(what, path, error);
  }
  if (!info.isFile()) throw notAFile(path, info, field);
  if (KERNEL_FILE_SYSTEMS.has((await statfs(real)).type)) {
    throw refused(
      path,
      field,
      'NOT_A_FILE',
      `${path} is a kernel file (/proc, /sys), not a regular file`,
    );
  }
  return real;
}

/** A directory as given and with its links resolved (when it exists). */
async function bothForms(dir: string): Promise<string[]> {
  const given = resolve(dir);
  const real = await realpath(given).catch(() => given);
  return real === given ? [given] : [given, real];
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function insideHome(path: string, field: string): CtibookError {
  return refused(
    path,
    field,
    'INSIDE_HOME',
    `${path} is inside ctibook's home directory, which holds its store, passwords and notes; a source file must be elsewhere`,
  );
}

function outsideRoots(
  path: string,
  rules: SourceFileRules,
  field: string,
  real?: string,
): CtibookError {
  const roots = (rules.roots ?? []).join(':') || '(none)';
  const where = real !== undefined && real !== resolve(path) ? 'leads to a file' : 'is';
  return refused(
    path,
    field,
    'OUTSIDE_SOURCE_ROOTS',
    `${path} ${where} outside the directories the server allows for source files (CTIBOOK_SOURCE_ROOTS: ${roots})`,
  );
}

function notAFile(path: string, info: Stats, field = 'source.path'): CtibookError {
  const kind = info.isDirectory()
    ? 'a directory'
    : info.isFIFO()
      ? 'a FIFO (named pipe)'
      : info.isCharacterDevice() || info.isBlockDevice()
        ? 'a device'
        : info.isSocket()
          ? 'a socket'
          : 'not a file';
  return refused(path, field, 'NOT_A_FILE', `${path} is ${kind}, not a regular file`);
}

function refused(path: string, field: string, reason: string, problem: string): CtibookError {
  return invalidField(field, problem, { reason, path });
}

/**
 * The error for a source file (a CSV export, an Access database) that cannot be read:
 * SOURCE_UNAVAILABLE saying why in words an admin acts on, e.g.
 * `CSV file /srv/export.csv does not exist`.
 *
 * @param what - what the file is, e.g. `'CSV file'`
 */
export function unreadableFile(what: string, path: string, error: unknown): CtibookError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? 'does not exist'
      : code === 'EACCES'
        ? 'cannot be read (permissions)'
        : code === 'EISDIR'
          ? 'is a directory, not a file'
          : `cannot be read (${code ?? String(error)})`;
  return new CtibookError(
    'SOURCE_UNAVAILABLE',
    `${what} ${path} ${reason}`,
    { path },
    { cause: error },
  );
}
