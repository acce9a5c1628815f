import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from './support/server-process.js';
import { freePort, httpLogin, runCli, startServer } from './support/server-process.js';

const PASSWORD = 'cli-admin-1';

describe('the ctibook CLI against a running server', () => {
  let home = '';
  let server: ServerProcess;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runCli(args, env);

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'ctibook-cli-'));
    server = await startServer(['--home', home], { CTIBOOK_ADMIN_PASSWORD: PASSWORD });
    env = { CTIBOOK_URL: server.url, CTIBOOK_USER: 'admin', CTIBOOK_PASSWORD: PASSWORD };
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(home, { recursive: true, force: true });
  });

  it('prints help for the tool and every command', async () => {
    const top = await cli('--help');
    expect(top.code).toBe(0);
    for (const command of ['serve', 'user', 'group', 'phonebook', 'lookup', 'search']) {
      expect(top.stdout).toContain(command);
      const help = await cli(command, '--help');
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(/Usage: ctibook/);
    }
  });

  it('manages users, groups, books and rights, then looks up and searches as the user', async () => {
    expect(
      (
        await cli(
          'user',
          'add',
          'jana',
          '--new-password',
          'jana-secret',
          '--display-name',
          'Jana Jäger',
          '--extension',
          '42',
        )
      ).code,
    ).toBe(0);
    expect((await cli('phonebook', 'create', 'Kunden')).stdout).toContain(
      'Created phone book Kunden',
    );
    expect((await cli('group', 'add', 'Vertrieb', '--member', 'jana')).code).toBe(0);
    expect((await cli('group', 'grant', 'Vertrieb', 'Kunden', '--write')).stdout).toContain(
      'Kunden(read+write)',
    );
    expect((await cli('group', 'grant', 'Vertrieb', 'Global.LocalNumbers', '--read')).code).toBe(0);

    const users = JSON.parse((await cli('user', 'list', '--json')).stdout) as {
      username: string;
    }[];
    expect(users.map((u) => u.username)).toEqual(['admin', 'jana']);
    const groups = await cli('group', 'list');
    expect(groups.stdout).toMatch(/Vertrieb\s+jana/);

    const asJana = { ...env, CTIBOOK_USER: 'jana', CTIBOOK_PASSWORD: 'jana-secret' };
    const token = (await (
      await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'jana', password: 'jana-secret' }),
      })
    ).json()) as { token: string };
    await fetch(`${server.url}/api/v1/phonebooks/Kunden/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        firstName: 'Jörg',
        lastName: 'Groß',
        company: 'Groß AG',
        businessPhone: '+49 89 5555-0',
      }),
    });

    const lookup = await runCli(['lookup', '0049 89 5555 0', '--json'], asJana);
    expect(JSON.parse(lookup.stdout)).toMatchObject({
      matches: [{ displayName: 'Jörg Groß', match: 'exact' }],
    });
    const internal = await runCli(['lookup', '42'], asJana);
    expect(internal.stdout).toContain('Jana Jäger');
    const unknown = await runCli(['lookup', '030 1234567'], asJana);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('unknown caller');
    const search = await runCli(['search', 'gross'], asJana);
    expect(search.stdout).toContain('Jörg Groß (Groß AG)');
    const books = await runCli(['phonebook', 'list'], asJana);
    expect(books.stdout).toContain('Kunden');
    expect(books.stdout).not.toContain('Global.Phonebook');

    const denied = await runCli(['user', 'add', 'eve', '--new-password', 'eve-secret'], asJana);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('FORBIDDEN');
  });

  it('looks up a number typed with spaces, and exits 1 for an unknown caller with --json too', async () => {
    await cli('phonebook', 'create', 'Nummern');
    const token = await httpLogin(server.url, 'admin', PASSWORD);
    await fetch(`${server.url}/api/v1/phonebooks/Nummern/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ firstName: 'Lena', lastName: 'Lang', businessPhone: '089 555666' }),
    });
    const spaced = await cli('lookup', '089', '555666');
    expect(spaced.code, spaced.stderr).toBe(0);
    expect(spaced.stdout).toContain('089 555666 (+4989555666):\n  Lena Lang');
    const unknown = await cli('lookup', '99999999', '--json');
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ input: '99999999', matches: [] });
    expect((await cli('lookup', '089', '555666', '--json')).code).toBe(0);
  });

  it("shows a group's members when no users are given, and empties it only with --none", async () => {
    await cli('user', 'add', 'karl', '--new-password', 'karl-secret');
    await cli('group', 'add', 'Einkauf', '--member', 'karl');
    const shown = await cli('group', 'members', 'Einkauf');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toBe('Einkauf: karl\n');
    const kept = await cli('group', 'members', 'Einkauf', '--json');
    expect(JSON.parse(kept.stdout)).toMatchObject({ name: 'Einkauf', members: ['karl'] });
    const both = await cli('group', 'members', 'Einkauf', 'karl', '--none');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('Give USER... or --none, not both');
    const emptied = await cli('group', 'members', 'Einkauf', '--none');
    expect(emptied.stdout).toBe('Einkauf: (no members)\n');
    expect((await cli('group', 'list')).stdout).toMatch(/^Einkauf\s*$/m);
    expect((await cli('group', '--help')).stdout).toContain('group members NAME --none');
  });

  it('prints JSON, not a sentence, under --json', async () => {
    await cli('user', 'add', 'weg', '--new-password', 'weg-secret-1');
    await cli('group', 'add', 'Weg');
    const user = await cli('user', 'remove', 'weg', '--json');
    expect(user.code, user.stderr).toBe(0);
    expect(JSON.parse(user.stdout)).toEqual({ removed: 'weg' });
    const group = await cli('group', 'remove', 'Weg', '--json');
    expect(group.code, group.stderr).toBe(0);
    expect(JSON.parse(group.stdout)).toEqual({ removed: 'Weg' });
    expect((await cli('group', 'list', '--json')).stdout).not.toContain('"Weg"');
  });

  it('names the phone book or trash entry an error is about', async () => {
    await cli('group', 'add', 'Technik');
    const grant = await cli('group', 'grant', 'Technik', 'NoSuchBook', '--read');
    expect(grant.code).toBe(1);
    expect(grant.stderr).toBe('Error PHONEBOOK_NOT_FOUND: No such phone book: NoSuchBook\n');
    const deleted = await cli('phonebook', 'delete', 'NoSuch');
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toBe('Error PHONEBOOK_NOT_FOUND: No such phone book: NoSuch\n');
    const restored = await cli('phonebook', 'restore', 'NoSuch@2020');
    expect(restored.stderr).toBe(
      'Error TRASH_NOT_FOUND: No such entry in the trash: NoSuch@2020\n',
    );
  });

  it('prints control characters of contact data as escapes, in text and JSON', async () => {
    const token = await httpLogin(server.url, 'admin', PASSWORD);
    await cli('phonebook', 'create', 'Escapes');
    const created = await fetch(`${server.url}/api/v1/phonebooks/Escapes/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        lastName: 'Zyx\u001b[2J\u009b31m\rWho',
        businessPhone: '089 1234567',
      }),
    });
    expect(created.status).toBe(201);
    for (const args of [
      ['search', 'zyx'],
      ['search', 'zyx', '--json'],
      ['lookup', '089 1234567'],
    ]) {
      const { stdout } = await cli(...args);
      // eslint-disable-next-line no-control-regex -- none of them may reach the terminal
      expect(stdout, args.join(' ')).not.toMatch(/[\u001b\u009b\r]/);
      // JSON writes a carriage return as \r itself.
      const cr = args.includes('--json') ? '\\r' : '\\u000d';
      expect(stdout, args.join(' ')).toContain(`Zyx\\u001b[2J\\u009b31m${cr}Who`);
    }
    const json = JSON.parse((await cli('search', 'zyx', '--json')).stdout) as {
      items: { lastName: string }[];
    };
    expect(json.items[0]?.lastName).toBe('Zyx\u001b[2J\u009b31m\rWho');
  });

  it('deletes a book to the trash and restores it', async () => {
    await cli('phonebook', 'create', 'Alt');
    const deleted = await cli('phonebook', 'delete', 'Alt', '--json');
    const { trashEntry } = JSON.parse(deleted.stdout) as { trashEntry: string };
    expect(trashEntry).toMatch(/^Alt@/);
    expect((await cli('phonebook', 'trash')).stdout).toContain(trashEntry);
    const restored = await cli('phonebook', 'restore', trashEntry, '--as', 'Alt2');
    expect(restored.stdout).toContain('Restored Alt2');
    expect((await cli('phonebook', 'delete', 'Global.Phonebook')).stderr).toContain(
      'PHONEBOOK_PROTECTED',
    );
  });

  it('says clearly what went wrong', async () => {
    const wrong = await runCli(['user', 'list'], { ...env, CTIBOOK_PASSWORD: 'wrong-password' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('INVALID_CREDENTIALS');
    const down = await runCli(['user', 'list'], {
      ...env,
      CTIBOOK_URL: `http://127.0.0.1:${await freePort()}`,
    });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('Cannot reach the ctibook server');
    const usage = await cli('user', 'frobnicate');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Unknown action');
    const unknown = await cli('nonsense');
    expect(unknown.code).toBe(2);
  });
});
