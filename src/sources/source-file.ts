import { CtibookError } from '../domain/errors.js';

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
