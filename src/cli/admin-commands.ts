import { randomBytes } from 'node:crypto';
import type { HttpClient } from '../client/http-client.js';
import { segment } from '../client/http-client.js';
import type { Io } from './cli-context.js';
import { UsageError, parse, table, withClient } from './cli-context.js';

interface User {
  username: string;
  displayName: string | null;
  extensions: string[];
  admin: boolean;
}
interface Group {
  name: string;
  members: string[];
  resources: { phonebook: string; read: boolean; write: boolean; offline: boolean }[];
}
export const USER_HELP = `Usage: ctibook user <add|list|remove> ...
  user add NAME [--new-password PW] [--display-name TEXT] [--extension NUM]... [--email ADDR]
                [--department TEXT] [--admin]
                (without --new-password a random password is made and printed once)
  user list
  user remove NAME`;

export async function userCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    'new-password': { type: 'string' },
    'display-name': { type: 'string' },
    extension: { type: 'string', multiple: true },
    email: { type: 'string' },
    department: { type: 'string' },
    admin: { type: 'boolean' },
  });
  const [action, name] = positionals;
  if (values.help || !action) return help(io, USER_HELP);
  return withClient(values, io, async (client) => {
    switch (action) {
      case 'list': {
        const users = await client.get<User[]>('/api/v1/users');
        if (values.json) return print(io, users);
        io.out(
          table([
            ['USER', 'NAME', 'EXTENSIONS', 'ADMIN'],
            ...users.map((u) => [
              u.username,
              u.displayName ?? '',
              u.extensions.join(','),
              u.admin ? 'yes' : '',
            ]),
          ]),
        );
        return 0;
      }
      case 'add': {
        const username = required(name, 'user add NAME');
        const generated = values['new-password'] === undefined;
        const password = values['new-password'] ?? randomBytes(12).toString('base64url');
        const user = await client.send<User>('POST', '/api/v1/users', {
          username,
          password,
          ...(values['display-name'] !== undefined ? { displayName: values['display-name'] } : {}),
          ...(values.extension ? { extensions: values.extension } : {}),
          ...(values.email !== undefined ? { email: values.email } : {}),
          ...(values.department !== undefined ? { department: values.department } : {}),
          ...(values.admin ? { admin: true } : {}),
        });
        if (values.json) return print(io, { ...user, ...(generated ? { password } : {}) });
        io.out(`Created user ${user.username}${generated ? ` with password ${password}` : ''}`);
        return 0;
      }
      case 'remove': {
        const username = required(name, 'user remove NAME');
        await client.send('DELETE', `/api/v1/users/${segment(username)}`);
        return values.json
          ? print(io, { removed: username })
          : (io.out(`Removed user ${username}`), 0);
      }
      default:
        throw new UsageError(`Unknown action "user ${action}"`);
    }
  });
}

export const GROUP_HELP = `Usage: ctibook group <add|list|members|grant|remove> ...
  group add NAME [--member USER]...
  group list
  group members NAME                  show the members
  group members NAME USER...          replace the members
  group members NAME --none           remove every member
  group grant NAME BOOK [--read] [--write] [--offline]
                                      set the group's rights on a book (its "Resources");
                                      write and offline imply read; no flag revokes the book
  group remove NAME`;

export async function groupCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    member: { type: 'string', multiple: true },
    none: { type: 'boolean' },
    read: { type: 'boolean' },
    write: { type: 'boolean' },
    offline: { type: 'boolean' },
  });
  const [action, name, ...rest] = positionals;
  if (values.help || !action) return help(io, GROUP_HELP);
  return withClient(values, io, async (client) => {
    switch (action) {
      case 'list': {
        const groups = await client.get<Group[]>('/api/v1/groups');
        if (values.json) return print(io, groups);
        io.out(
          table([
            ['GROUP', 'MEMBERS', 'RESOURCES'],
            ...groups.map((g) => [
              g.name,
              g.members.join(','),
              g.resources.map(resourceText).join(' '),
            ]),
          ]),
        );
        return 0;
      }
      case 'add': {
        const group = await client.send<Group>('POST', '/api/v1/groups', {
          name: required(name, 'group add NAME'),
          members: values.member ?? [],
        });
        return values.json ? print(io, group) : (io.out(`Created group ${group.name}`), 0);
      }
      case 'members': {
        const path = `/api/v1/groups/${segment(required(name, 'group members NAME'))}`;
        if (values.none && rest.length > 0)
          throw new UsageError('Give USER... or --none, not both');
        // Without users it only shows them: emptying a group takes --none.
        const group =
          rest.length > 0 || values.none
            ? await client.send<Group>('PUT', `${path}/members`, rest)
            : await client.get<Group>(path);
        return values.json
          ? print(io, group)
          : (io.out(`${group.name}: ${group.members.join(', ') || '(no members)'}`), 0);
      }
      case 'grant':
        return grant(
          client,
          io,
          required(name, 'group grant NAME BOOK'),
          required(rest[0], 'group grant NAME BOOK'),
          values,
        );
      case 'remove': {
        const group = required(name, 'group remove NAME');
        await client.send('DELETE', `/api/v1/groups/${segment(group)}`);
        return values.json ? print(io, { removed: group }) : (io.out(`Removed group ${group}`), 0);
      }
      default:
        throw new UsageError(`Unknown action "group ${action}"`);
    }
  });
}

async function grant(
  client: HttpClient,
  io: Io,
  name: string,
  book: string,
  flags: {
    read?: boolean | undefined;
    write?: boolean | undefined;
    offline?: boolean | undefined;
    json?: boolean | undefined;
  },
): Promise<number> {
  const group = await client.get<Group>(`/api/v1/groups/${segment(name)}`);
  const rights = {
    read: Boolean(flags.read),
    write: Boolean(flags.write),
    offline: Boolean(flags.offline),
  };
  const others = group.resources.filter((r) => r.phonebook.toLowerCase() !== book.toLowerCase());
  const resources =
    rights.read || rights.write || rights.offline
      ? [...others, { phonebook: book, ...rights }]
      : others;
  const updated = await client.send<Group>(
    'PUT',
    `/api/v1/groups/${segment(group.name)}/resources`,
    resources,
  );
  if (flags.json) return print(io, updated);
  io.out(`${updated.name}: ${updated.resources.map(resourceText).join(' ') || '(no phone books)'}`);
  return 0;
}

function resourceText(r: Group['resources'][number]): string {
  const rights = [r.read && 'read', r.write && 'write', r.offline && 'offline']
    .filter(Boolean)
    .join('+');
  return `${r.phonebook}(${rights})`;
}

export function help(io: Io, text: string): number {
  io.out(text);
  return 0;
}

export function print(io: Io, value: unknown): number {
  io.out(JSON.stringify(value, null, 2));
  return 0;
}

export function required(value: string | undefined, usage: string): string {
  if (value === undefined || value === '') throw new UsageError(`Missing argument: ${usage}`);
  return value;
}
