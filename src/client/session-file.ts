import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** The file in the working directory that keeps the login session (mode 0600). */
export const SESSION_FILE = 'session.json';

const SessionSchema = z.object({
  server: z.string(),
  username: z.string(),
  token: z.string(),
  savedAt: z.string(),
});

/** A saved login: the server, the user and the session token; never the password. */
export type SavedSession = z.infer<typeof SessionSchema>;

/** Reads the saved session of `workdir`; undefined when there is none or it is unreadable. */
export function readSession(workdir: string): SavedSession | undefined {
  try {
    const parsed = SessionSchema.safeParse(
      JSON.parse(readFileSync(join(workdir, SESSION_FILE), 'utf8')),
    );
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Saves the session atomically (temporary file, then rename), readable by the owner only. */
export function writeSession(workdir: string, session: Omit<SavedSession, 'savedAt'>): void {
  mkdirSync(workdir, { recursive: true, mode: 0o700 });
  const file = join(workdir, SESSION_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  const saved: SavedSession = { ...session, savedAt: new Date().toISOString() };
  writeFileSync(temporary, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

/** Forgets the saved session (logout). */
export function removeSession(workdir: string): void {
  rmSync(join(workdir, SESSION_FILE), { force: true });
}
