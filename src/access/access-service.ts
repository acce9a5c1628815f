import { createHash, randomBytes } from 'node:crypto';
import { CtibookError, invalidField } from '../domain/errors.js';
import type { AccessStore, GroupRecord, PublicUser, UserRecord } from './access-store.js';
import { publicUser } from './access-store.js';
import { DUMMY_HASH, hashPassword, verifyPassword } from './password.js';
import { RateLimiter } from './rate-limiter.js';
import type { Rights } from './rights.js';
import { ALL_RIGHTS, NO_RIGHTS } from './rights.js';

/** Who is calling: the authenticated user. */
export interface Principal {
  username: string;
  admin: boolean;
}

export interface UserInput {
  username?: string;
  password?: string;
  displayName?: string | null;
  extensions?: string[];
  email?: string | null;
  department?: string | null;
  admin?: boolean;
}

export interface AccessOptions {
  tokenTtlMs: number;
  loginFailuresPerUser: number;
  loginFailuresPerAddress: number;
  loginWindowMs: number;
}

export const DEFAULT_ACCESS_OPTIONS: AccessOptions = {
  tokenTtlMs: 12 * 60 * 60 * 1000,
  loginFailuresPerUser: 5,
  loginFailuresPerAddress: 20,
  loginWindowMs: 15 * 60 * 1000,
};

const USERNAME = /^[\p{L}\p{N}][\p{L}\p{N}._@-]{0,63}$/u;
const GROUP_NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._@()&+-]{0,63}$/u;

/** How long an authenticated token is trusted without asking the store again. */
const SESSION_CACHE_MS = 2_000;
const SESSION_CACHE_MAX = 10_000;

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * Users, groups, rights and login sessions. Users get rights on books only through their
 * groups; admins have every right. Rights are cached per user and dropped whenever any
 * membership or resource changes.
 */
export class AccessService {
  readonly #store: AccessStore;
  readonly #options: AccessOptions;
  readonly #perUser: RateLimiter;
  readonly #perAddress: RateLimiter;
  readonly #rightsCache = new Map<string, Map<number, Rights>>();
  /**
   * Tokens checked in the last moments (every request checks one). Dropped on logout and
   * on every change to users or rights, so a cached answer is never one the store would
   * not give.
   */
  readonly #sessionCache = new Map<string, { principal: Principal; until: number }>();
  readonly #onUsersChanged: () => void;

  constructor(store: AccessStore, options: AccessOptions, onUsersChanged: () => void) {
    this.#store = store;
    this.#options = options;
    this.#perUser = new RateLimiter(options.loginFailuresPerUser, options.loginWindowMs);
    this.#perAddress = new RateLimiter(options.loginFailuresPerAddress, options.loginWindowMs);
    this.#onUsersChanged = onUsersChanged;
  }

  /** Rights of `principal` on one book. */
  rights(principal: Principal, bookId: number): Rights {
    if (principal.admin) return ALL_RIGHTS;
    return this.#rightsOf(principal.username).get(bookId) ?? NO_RIGHTS;
  }

  /** Ids of the books `principal` may read; `all` for admins. */
  readableBooks(principal: Principal): 'all' | number[] {
    if (principal.admin) return 'all';
    return [...this.#rightsOf(principal.username)].filter(([, r]) => r.read).map(([id]) => id);
  }

  /** Usernames that may read a book (admins included), for event delivery. */
  canRead(username: string, admin: boolean, bookId: number): boolean {
    return admin || (this.#rightsOf(username).get(bookId)?.read ?? false);
  }

  #rightsOf(username: string): Map<number, Rights> {
    let rights = this.#rightsCache.get(username.toLowerCase());
    if (!rights) {
      rights = this.#store.rightsOf(username);
      this.#rightsCache.set(username.toLowerCase(), rights);
    }
    return rights;
  }

  /**
   * Drops cached rights and checked tokens; call after any change to users, groups,
   * members or resources.
   */
  invalidateRights(): void {
    this.#rightsCache.clear();
    this.#sessionCache.clear();
  }

  async login(
    username: string,
    password: string,
    address: string,
    now = Date.now(),
  ): Promise<{ token: string; user: Principal; expiresAt: number }> {
    const userKey = username.toLowerCase();
    const wait = Math.max(
      this.#perUser.retryAfter(userKey, now),
      this.#perAddress.retryAfter(address, now),
    );
    if (wait > 0) {
      throw new CtibookError('TOO_MANY_ATTEMPTS', undefined, {
        retryAfterSeconds: Math.ceil(wait / 1000),
      });
    }
    // Counted as a failure before the slow password check, so that attempts running in
    // parallel cannot all pass the limit; a success takes its count back.
    this.#perUser.fail(userKey, now);
    this.#perAddress.fail(address, now);
    const user = this.#store.getUser(username);
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) throw new CtibookError('INVALID_CREDENTIALS');
    // The check took a while: a user deleted or given a new password meanwhile gets no
    // session (a password change ends every session, this one included).
    if (this.#store.getUser(user.username)?.passwordHash !== user.passwordHash) {
      throw new CtibookError('INVALID_CREDENTIALS');
    }
    this.#perUser.reset(userKey);
    this.#perAddress.forgive(address, now);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = now + this.#options.tokenTtlMs;
    this.#store.deleteExpiredSessions(now);
    this.#store.insertSession(hashToken(token), user.username, now, expiresAt);
    return { token, user: { username: user.username, admin: user.admin }, expiresAt };
  }

  /** The principal behind a bearer token, or undefined when unknown or expired. */
  authenticate(token: string, now = Date.now()): Principal | undefined {
    const cached = this.#sessionCache.get(token);
    if (cached && cached.until > now) return cached.principal;
    const session = this.#store.findSession(hashToken(token), now);
    if (!session) return undefined;
    const user = this.#store.getUser(session.username);
    if (!user) return undefined;
    const principal = { username: user.username, admin: user.admin };
    if (this.#sessionCache.size >= SESSION_CACHE_MAX) this.#sessionCache.clear();
    this.#sessionCache.set(token, {
      principal,
      until: Math.min(now + SESSION_CACHE_MS, session.expiresAt),
    });
    return principal;
  }

  logout(token: string): void {
    this.#sessionCache.delete(token);
    this.#store.deleteSession(hashToken(token));
  }

  listUsers(): PublicUser[] {
    return this.#store.listUsers().map(publicUser);
  }

  /** Full user records, for Global.LocalNumbers. */
  allUsers(): UserRecord[] {
    return this.#store.listUsers();
  }

  hasUser(username: string): boolean {
    return this.#store.getUser(username) !== undefined;
  }

  getUser(username: string): PublicUser {
    return publicUser(this.#requireUser(username));
  }

  async createUser(input: UserInput, now: string): Promise<PublicUser> {
    const username = validateUsername(input.username);
    if (typeof input.password !== 'string' || input.password.length < 8) {
      throw invalidField('password', 'must have at least 8 characters');
    }
    const exists = (): void => {
      if (this.#store.getUser(username)) {
        throw new CtibookError('ALREADY_EXISTS', `User ${username} already exists`, { username });
      }
    };
    exists();
    const passwordHash = await hashPassword(input.password);
    // Asked again: another request may have created the user while the hash was made.
    exists();
    const user: UserRecord = {
      username,
      passwordHash,
      displayName: input.displayName ?? null,
      email: input.email ?? null,
      department: input.department ?? null,
      extensions: input.extensions ?? [],
      admin: input.admin ?? false,
      createdAt: now,
    };
    this.#store.insertUser(user);
    this.#onUsersChanged();
    return publicUser(user);
  }

  async updateUser(username: string, input: UserInput): Promise<PublicUser> {
    const before = this.#requireUser(username);
    if (input.username !== undefined && input.username !== before.username) {
      throw invalidField('username', 'cannot be changed; create a new user instead');
    }
    let passwordHash: string | undefined;
    if (input.password !== undefined) {
      if (input.password.length < 8)
        throw invalidField('password', 'must have at least 8 characters');
      passwordHash = await hashPassword(input.password);
    }
    // Read again after the hash: changes made meanwhile are kept, not overwritten.
    const user = this.#requireUser(username);
    const next: UserRecord = { ...user };
    if (passwordHash !== undefined) next.passwordHash = passwordHash;
    if (input.displayName !== undefined) next.displayName = input.displayName;
    if (input.email !== undefined) next.email = input.email;
    if (input.department !== undefined) next.department = input.department;
    if (input.extensions !== undefined) next.extensions = input.extensions;
    if (input.admin !== undefined) {
      if (user.admin && !input.admin && this.#store.countAdmins() <= 1) {
        throw new CtibookError('CONFLICT', 'The last admin cannot lose the admin right');
      }
      next.admin = input.admin;
    }
    this.#store.updateUser(next);
    if (input.password !== undefined) this.#store.deleteSessionsOf(user.username);
    this.invalidateRights();
    this.#onUsersChanged();
    return publicUser(next);
  }

  deleteUser(username: string): void {
    const user = this.#requireUser(username);
    if (user.admin && this.#store.countAdmins() <= 1) {
      throw new CtibookError('CONFLICT', 'The last admin cannot be deleted');
    }
    this.#store.deleteUser(user.username);
    this.invalidateRights();
    this.#onUsersChanged();
  }

  listGroups(): GroupRecord[] {
    return this.#store.listGroups();
  }

  getGroup(name: string): GroupRecord {
    const group = this.#store.getGroup(name);
    if (!group)
      throw new CtibookError('GROUP_NOT_FOUND', `No group named ${name}`, { group: name });
    return group;
  }

  createGroup(name: unknown, members: readonly string[], now: string): GroupRecord {
    if (typeof name !== 'string' || !GROUP_NAME.test(name)) {
      throw invalidField('name', 'letters, digits, space and . _ @ ( ) & + - only, at most 64');
    }
    if (this.#store.getGroup(name)) {
      throw new CtibookError('ALREADY_EXISTS', `Group ${name} already exists`, { group: name });
    }
    const usernames = this.#existingUsers(members);
    this.#store.insertGroup(name, now);
    this.#store.setMembers(name, usernames);
    this.invalidateRights();
    return this.getGroup(name);
  }

  deleteGroup(name: string): void {
    if (!this.#store.deleteGroup(this.getGroup(name).name)) return;
    this.invalidateRights();
  }

  setMembers(name: string, members: readonly string[]): GroupRecord {
    const group = this.getGroup(name);
    this.#store.setMembers(group.name, this.#existingUsers(members));
    this.invalidateRights();
    return this.getGroup(group.name);
  }

  setResources(
    name: string,
    resources: readonly { bookId: number; rights: Rights }[],
  ): GroupRecord {
    const group = this.getGroup(name);
    this.#store.setResources(group.name, resources);
    this.invalidateRights();
    return this.getGroup(group.name);
  }

  /** The groups granted rights on a book (kept with a trashed book, see `regrant`). */
  bookGrants(bookId: number): { group: string; rights: Rights }[] {
    return this.#store.bookGrants(bookId);
  }

  /**
   * Gives a restored book back the rights its groups had when it was deleted. Groups
   * deleted meanwhile are left out and returned, so the caller can say so.
   */
  regrant(bookId: number, grants: readonly { group: string; rights: Rights }[]): string[] {
    const missing: string[] = [];
    for (const { group, rights } of grants) {
      if (this.#store.getGroup(group)) this.#store.grantBook(group, bookId, rights);
      else missing.push(group);
    }
    this.invalidateRights();
    return missing;
  }

  #existingUsers(members: readonly string[]): string[] {
    return members.map((username, index) => {
      const user = this.#store.getUser(username);
      if (!user) throw invalidField(`members[${index}]`, `no user named ${username}`);
      return user.username;
    });
  }

  #requireUser(username: string): UserRecord {
    const user = this.#store.getUser(username);
    if (!user) throw new CtibookError('USER_NOT_FOUND', `No user named ${username}`, { username });
    return user;
  }
}

function validateUsername(username: unknown): string {
  if (typeof username !== 'string' || !USERNAME.test(username)) {
    throw invalidField('username', 'letters, digits and . _ @ - only, 1 to 64 characters');
  }
  return username;
}
