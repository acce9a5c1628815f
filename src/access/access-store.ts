import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../store/database.js';
import type { Rights } from './rights.js';
import { impliedRights, unionRights } from './rights.js';

export interface UserRecord {
  username: string;
  passwordHash: string;
  displayName: string | null;
  email: string | null;
  department: string | null;
  extensions: string[];
  admin: boolean;
  createdAt: string;
}

/** A user as the API shows it: never the password hash. */
export type PublicUser = Omit<UserRecord, 'passwordHash'>;

export interface GroupRecord {
  name: string;
  members: string[];
  resources: { bookId: number; rights: Rights }[];
}

interface UserRow {
  username: string;
  password_hash: string;
  display_name: string | null;
  email: string | null;
  department: string | null;
  extensions: string;
  admin: number;
  created_at: string;
}

function toUser(row: UserRow): UserRecord {
  return {
    username: row.username,
    passwordHash: row.password_hash,
    displayName: row.display_name,
    email: row.email,
    department: row.department,
    extensions: JSON.parse(row.extensions) as string[],
    admin: row.admin === 1,
    createdAt: row.created_at,
  };
}

export function publicUser(user: UserRecord): PublicUser {
  const { passwordHash: _hidden, ...rest } = user;
  return rest;
}

/** Users, groups, group resources and login sessions. */
export class AccessStore {
  readonly #db: SqliteDatabase;
  /** Statements prepared once: every request checks a session and reads a user. */
  readonly #statements = new Map<string, Statement>();

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  #sql(text: string): Statement {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  getUser(username: string): UserRecord | undefined {
    const row = this.#sql('SELECT * FROM users WHERE username = ?').get(username) as
      UserRow | undefined;
    return row && toUser(row);
  }

  listUsers(): UserRecord[] {
    return (this.#sql('SELECT * FROM users ORDER BY username').all() as UserRow[]).map(toUser);
  }

  insertUser(user: UserRecord): void {
    this.#sql(
      `INSERT INTO users (username, password_hash, display_name, email, department, extensions, admin, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      user.username,
      user.passwordHash,
      user.displayName,
      user.email,
      user.department,
      JSON.stringify(user.extensions),
      user.admin ? 1 : 0,
      user.createdAt,
    );
  }

  updateUser(user: UserRecord): void {
    this.#sql(
      `UPDATE users SET password_hash = ?, display_name = ?, email = ?, department = ?,
         extensions = ?, admin = ? WHERE username = ?`,
    ).run(
      user.passwordHash,
      user.displayName,
      user.email,
      user.department,
      JSON.stringify(user.extensions),
      user.admin ? 1 : 0,
      user.username,
    );
  }

  deleteUser(username: string): boolean {
    return this.#sql('DELETE FROM users WHERE username = ?').run(username).changes > 0;
  }

  countAdmins(): number {
    return this.#sql('SELECT count(*) FROM users WHERE admin = 1').pluck().get() as number;
  }

  listGroups(): GroupRecord[] {
    const names = this.#sql('SELECT name FROM groups ORDER BY name').pluck().all() as string[];
    return names.map((name) => this.getGroup(name) as GroupRecord);
  }

  getGroup(name: string): GroupRecord | undefined {
    const found = this.#sql('SELECT name FROM groups WHERE name = ?').pluck().get(name) as
      string | undefined;
    if (found === undefined) return undefined;
    const members = this.#sql(
      'SELECT username FROM group_members WHERE group_name = ? ORDER BY username',
    )
      .pluck()
      .all(found) as string[];
    const resources = (
      this.#sql(
        'SELECT book_id, read, write, offline FROM group_resources WHERE group_name = ? ORDER BY book_id',
      ).all(found) as { book_id: number; read: number; write: number; offline: number }[]
    ).map((row) => ({
      bookId: row.book_id,
      rights: { read: row.read === 1, write: row.write === 1, offline: row.offline === 1 },
    }));
    return { name: found, members, resources };
  }

  insertGroup(name: string, now: string): void {
    this.#sql('INSERT INTO groups (name, created_at) VALUES (?, ?)').run(name, now);
  }

  deleteGroup(name: string): boolean {
    return this.#sql('DELETE FROM groups WHERE name = ?').run(name).changes > 0;
  }

  setMembers(group: string, usernames: readonly string[]): void {
    this.#db
      .transaction(() => {
        this.#sql('DELETE FROM group_members WHERE group_name = ?').run(group);
        const insert = this.#sql(
          'INSERT OR IGNORE INTO group_members (group_name, username) VALUES (?, ?)',
        );
        for (const username of usernames) insert.run(group, username);
      })
      .immediate();
  }

  setResources(group: string, resources: readonly { bookId: number; rights: Rights }[]): void {
    this.#db
      .transaction(() => {
        this.#sql('DELETE FROM group_resources WHERE group_name = ?').run(group);
        const insert = this.#sql(
          'INSERT OR REPLACE INTO group_resources (group_name, book_id, read, write, offline) VALUES (?, ?, ?, ?, ?)',
        );
        for (const { bookId, rights } of resources) {
          const r = impliedRights(rights);
          insert.run(group, bookId, r.read ? 1 : 0, r.write ? 1 : 0, r.offline ? 1 : 0);
        }
      })
      .immediate();
  }

  /** The groups granted rights on one book, with those rights (for the trash archive). */
  bookGrants(bookId: number): { group: string; rights: Rights }[] {
    const rows = this.#sql(
      'SELECT group_name, read, write, offline FROM group_resources WHERE book_id = ? ORDER BY group_name',
    ).all(bookId) as { group_name: string; read: number; write: number; offline: number }[];
    return rows.map((row) => ({
      group: row.group_name,
      rights: { read: row.read === 1, write: row.write === 1, offline: row.offline === 1 },
    }));
  }

  /** Grants one group rights on one book, leaving its other resources as they are. */
  grantBook(group: string, bookId: number, rights: Rights): void {
    const r = impliedRights(rights);
    this.#sql(
      'INSERT OR REPLACE INTO group_resources (group_name, book_id, read, write, offline) VALUES (?, ?, ?, ?, ?)',
    ).run(group, bookId, r.read ? 1 : 0, r.write ? 1 : 0, r.offline ? 1 : 0);
  }

  /** A user's rights per book: the union over all their groups. */
  rightsOf(username: string): Map<number, Rights> {
    const rows = this.#sql(
      `SELECT r.book_id, r.read, r.write, r.offline FROM group_resources r
         JOIN group_members m ON m.group_name = r.group_name WHERE m.username = ?`,
    ).all(username) as { book_id: number; read: number; write: number; offline: number }[];
    const rights = new Map<number, Rights>();
    for (const row of rows) {
      const granted = { read: row.read === 1, write: row.write === 1, offline: row.offline === 1 };
      const had = rights.get(row.book_id);
      rights.set(row.book_id, had ? unionRights(had, granted) : granted);
    }
    return rights;
  }

  insertSession(tokenHash: string, username: string, createdAt: number, expiresAt: number): void {
    this.#sql(
      'INSERT INTO sessions (token_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)',
    ).run(tokenHash, username, createdAt, expiresAt);
  }

  findSession(tokenHash: string, now: number): { username: string; expiresAt: number } | undefined {
    return this.#sql(
      'SELECT username, expires_at AS expiresAt FROM sessions WHERE token_hash = ? AND expires_at > ?',
    ).get(tokenHash, now) as { username: string; expiresAt: number } | undefined;
  }

  deleteSession(tokenHash: string): void {
    this.#sql('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash);
  }

  deleteSessionsOf(username: string): void {
    this.#sql('DELETE FROM sessions WHERE username = ?').run(username);
  }

  deleteExpiredSessions(now: number): void {
    this.#sql('DELETE FROM sessions WHERE expires_at <= ?').run(now);
  }
}
