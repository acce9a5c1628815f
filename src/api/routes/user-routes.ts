import { z } from 'zod';
import type { GroupRecord } from '../../access/access-store.js';
import type { Ctibook } from '../../app.js';
import { CtibookError } from '../../domain/errors.js';
import type { RouteTable } from '../route.js';
import {
  Group,
  GroupCreate,
  GroupParams,
  Members,
  Resources,
  User,
  UserCreate,
  UserParams,
  UserPatch,
} from '../schemas.js';

function groupView(app: Ctibook, group: GroupRecord): z.infer<typeof Group> {
  return {
    name: group.name,
    members: group.members,
    resources: group.resources.map(({ bookId, rights }) => ({
      phonebook: app.stores.books.nameOf(bookId) ?? '',
      ...rights,
    })),
  };
}

/**
 * Every extension must read as a phone number, or its Global.LocalNumbers entry would be
 * dropped without a word.
 * @throws CtibookError INVALID_NUMBER naming the first bad one.
 */
function checkExtensions(app: Ctibook, extensions: readonly string[] | undefined): void {
  extensions?.forEach((extension, index) => {
    if (!app.location.normalizer.normalize(extension.trim())) {
      const field = `extensions[${index}]`;
      throw new CtibookError(
        'INVALID_NUMBER',
        `${field}: "${extension.slice(0, 64)}" is not a phone number`,
        { field, value: extension.slice(0, 64) },
      );
    }
  });
}

export function userRoutes(table: RouteTable): void {
  table.add({
    method: 'GET',
    url: '/api/v1/users',
    summary: 'List users (never their passwords).',
    tag: 'users',
    auth: 'admin',
    response: z.array(User),
    handler: ({ app }) => app.access.listUsers(),
  });
  table.add({
    method: 'POST',
    url: '/api/v1/users',
    summary: 'Create a user. Extensions become entries of Global.LocalNumbers.',
    tag: 'users',
    auth: 'admin',
    body: UserCreate,
    response: User,
    status: 201,
    handler({ app, body }) {
      checkExtensions(app, body.extensions);
      return app.access.createUser(body, new Date().toISOString());
    },
  });
  table.add({
    method: 'GET',
    url: '/api/v1/users/:username',
    summary: 'One user.',
    tag: 'users',
    auth: 'admin',
    params: UserParams,
    response: User,
    handler: ({ app, params }) => app.access.getUser(params.username),
  });
  table.add({
    method: 'PATCH',
    url: '/api/v1/users/:username',
    summary: 'Change a user; a new password ends their sessions.',
    tag: 'users',
    auth: 'admin',
    params: UserParams,
    body: UserPatch,
    response: User,
    async handler({ app, params, body }) {
      checkExtensions(app, body.extensions);
      const before = app.access.getUser(params.username);
      const user = await app.access.updateUser(params.username, body);
      // An admin sees every book: gaining or losing that changes the user's list of books.
      if (user.admin !== before.admin) app.events.publish({ type: 'phonebooks-changed' });
      return user;
    },
  });
  table.add({
    method: 'DELETE',
    url: '/api/v1/users/:username',
    summary: 'Delete a user (not the last admin).',
    tag: 'users',
    auth: 'admin',
    params: UserParams,
    handler: ({ app, params }) => app.access.deleteUser(params.username),
  });

  table.add({
    method: 'GET',
    url: '/api/v1/groups',
    summary: 'List groups with members and resources.',
    tag: 'groups',
    auth: 'admin',
    response: z.array(Group),
    handler: ({ app }) => app.access.listGroups().map((g) => groupView(app, g)),
  });
  table.add({
    method: 'POST',
    url: '/api/v1/groups',
    summary: 'Create a group.',
    tag: 'groups',
    auth: 'admin',
    body: GroupCreate,
    response: Group,
    status: 201,
    handler({ app, body }) {
      const group = app.access.createGroup(body.name, body.members ?? [], new Date().toISOString());
      app.events.publish({ type: 'phonebooks-changed' });
      return groupView(app, group);
    },
  });
  table.add({
    method: 'GET',
    url: '/api/v1/groups/:name',
    summary: 'One group.',
    tag: 'groups',
    auth: 'admin',
    params: GroupParams,
    response: Group,
    handler: ({ app, params }) => groupView(app, app.access.getGroup(params.name)),
  });
  table.add({
    method: 'DELETE',
    url: '/api/v1/groups/:name',
    summary: 'Delete a group; its members lose the rights it gave.',
    tag: 'groups',
    auth: 'admin',
    params: GroupParams,
    handler({ app, params }) {
      app.access.deleteGroup(params.name);
      app.events.publish({ type: 'phonebooks-changed' });
    },
  });
  table.add({
    method: 'PUT',
    url: '/api/v1/groups/:name/members',
    summary: "Replace a group's members.",
    tag: 'groups',
    auth: 'admin',
    params: GroupParams,
    body: Members,
    response: Group,
    handler({ app, params, body }) {
      const group = app.access.setMembers(params.name, body);
      app.events.publish({ type: 'phonebooks-changed' });
      return groupView(app, group);
    },
  });
  table.add({
    method: 'PUT',
    url: '/api/v1/groups/:name/resources',
    summary:
      "Replace a group's resources: the books it grants, each with read, write and offline (write and offline imply read).",
    tag: 'groups',
    auth: 'admin',
    params: GroupParams,
    body: Resources,
    response: Group,
    handler({ app, params, body }) {
      const resources = body.map((r) => ({
        bookId: app.phonebooks.require(r.phonebook).id,
        rights: { read: r.read, write: r.write, offline: r.offline },
      }));
      const group = app.access.setResources(params.name, resources);
      app.events.publish({ type: 'phonebooks-changed' });
      return groupView(app, group);
    },
  });
}
