import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, loginAs, openPage, screenshot } from './support/browser.js';
import type { ServerProcess } from './support/server-process.js';
import { httpLogin, startServer } from './support/server-process.js';

const ADMIN_PASSWORD = 'admin-password-1';

// A real browser on a shared, loaded machine: generous time for each whole-flow test.
describe('the web page, user part (real server, headless Chromium)', { timeout: 120_000 }, () => {
  let home: string;
  let server: ServerProcess;
  let browser: Browser;
  let admin: string;

  const call = async (method: string, path: string, body?: unknown, token = admin) => {
    const response = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'ctibook-web-user-'));
    server = await startServer(['--home', home], { CTIBOOK_ADMIN_PASSWORD: ADMIN_PASSWORD });
    browser = await launchBrowser();
    admin = await httpLogin(server.url, 'admin', ADMIN_PASSWORD);
    await call('POST', '/users', {
      username: 'anna',
      password: 'anna-password',
      extensions: ['201'],
    });
    await call('POST', '/groups', { name: 'sales', members: ['anna'] });
    await call('PUT', '/groups/sales/resources', [
      { phonebook: 'Global.Phonebook', read: true, write: true, offline: false },
    ]);
    for (const contact of [
      {
        firstName: 'Jürgen',
        lastName: 'Müller',
        company: 'Acme GmbH',
        businessPhone: '+49 89 1234567',
      },
      { firstName: 'Julia', lastName: 'Mueller', company: 'Beta AG', mobilePhone: '0171 555666' },
      {
        firstName: 'Karl',
        lastName: 'Schmidt',
        company: 'Gamma KG',
        businessPhone: '+49 30 999888',
      },
    ]) {
      expect((await call('POST', '/phonebooks/Global.Phonebook/contacts', contact)).status).toBe(
        201,
      );
    }
  });

  afterAll(async () => {
    await browser?.close();
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('serves the page with content types, caching headers and no path traversal', async () => {
    const index = await fetch(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toContain('no-cache');
    const html = await index.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${server.url}${script}`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    for (const path of [
      '/../package.json',
      '/assets/..%2f..%2fpackage.json',
      '/%2e%2e/etc/passwd',
    ]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(404);
    }
    expect((await fetch(`${server.url}/api/v1/nothing`)).status).toBe(404);
  });

  it('finds contacts as you type, by keyboard, opens, edits with conflict handling, writes notes', async () => {
    const first = await openPage(browser, server.url);
    const { page } = first;
    await loginAs(page, 'anna', 'anna-password');
    const search = page.getByRole('combobox', { name: 'Search' });
    await expect.poll(() => search.evaluate((el) => el === document.activeElement)).toBe(true);
    await search.pressSequentially('mull');
    const options = page.getByRole('option');
    await expect.poll(() => options.count()).toBe(2);
    await expect.poll(() => options.first().textContent()).toContain('Global.Phonebook');
    expect(await page.locator('.results a[href^="tel:"]').count()).toBe(2);
    await screenshot(page, 'user-search');
    await search.press('ArrowDown');
    expect(await options.nth(1).getAttribute('aria-selected')).toBe('true');
    const secondName = (await options.nth(1).locator('.name').textContent()) ?? '';
    await search.press('Enter');
    await page.getByRole('heading', { name: secondName }).waitFor();

    // A conflict: someone else changes the company after we opened the form.
    const id = await page.evaluate(() => document.querySelector('#f-company') && location.href);
    expect(id).toBeTruthy();
    const found = (await call('GET', `/search?q=${encodeURIComponent(secondName)}`)).body as {
      items: { id: string }[];
    };
    const contactId = found.items[0]?.id ?? '';
    const company = page.getByLabel('Company', { exact: true });
    await company.fill('Typed By Anna');
    const other = await call('PATCH', `/phonebooks/Global.Phonebook/contacts/${contactId}`, {
      company: 'Changed By Admin',
    });
    expect(other.status).toBe(200);
    // The change is pushed (contacts-changed): their values show beside the typed ones.
    await page.getByText('Someone else changed this contact first').waitFor();
    expect(await company.inputValue()).toBe('Typed By Anna');
    await expect
      .poll(() => page.locator('.theirs').first().textContent())
      .toContain('Changed By Admin');
    await screenshot(page, 'user-contact-conflict');
    await page.getByRole('button', { name: 'Save mine anyway' }).click();
    await page.getByText('Changes saved.').waitFor();
    const saved = (await call('GET', `/phonebooks/Global.Phonebook/contacts/${contactId}`))
      .body as {
      company: string;
    };
    expect(saved.company).toBe('Typed By Anna');

    // The contact note; a second session sees it; a conflict keeps typed text.
    const note = page.getByLabel('Note', { exact: true });
    await note.fill('Calls back on Mondays');
    await page.getByRole('button', { name: 'Save note' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Saved$/ })
      .waitFor();

    const second = await openPage(browser, server.url, {
      locale: 'de-DE',
      width: 390,
      height: 800,
    });
    await loginAs(second.page, 'anna', 'anna-password');
    const suche = second.page.getByRole('combobox', { name: 'Suche' });
    await suche.pressSequentially(secondName.split(' ')[0] ?? '');
    await second.page.getByRole('option').first().waitFor();
    await suche.press('Enter');
    const secondNote = second.page.getByLabel('Notiz', { exact: true });
    await expect.poll(() => secondNote.inputValue()).toBe('Calls back on Mondays');
    await screenshot(second.page, 'user-contact-phone-de');

    await secondNote.fill('Second session text');
    await second.page.getByRole('button', { name: 'Notiz speichern' }).click();
    await second.page.getByRole('status').filter({ hasText: 'Gespeichert' }).waitFor();
    await note.fill('First session text');
    await page.getByRole('button', { name: 'Save note' }).click();
    await page.getByText('Someone else saved first.').waitFor();
    expect(await note.inputValue()).toBe('First session text');
    expect(await page.getByTestId('their-note').textContent()).toBe('Second session text');
    await page.getByRole('button', { name: 'Keep mine and save again' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Saved$/ })
      .waitFor();
    const stored = (await call('GET', `/phonebooks/Global.Phonebook/contacts/${contactId}/note`))
      .body as { text: string };
    expect(stored.text).toBe('First session text');

    expect(first.errors).toEqual([]);
    expect(second.errors).toEqual([]);
    await second.context.close();
    await first.context.close();
  });

  it('looks up a typed number and opens the incoming-call panel on a pushed call', async () => {
    const { page, context, errors } = await openPage(browser, server.url);
    await loginAs(page, 'anna', 'anna-password');
    await page.getByRole('textbox', { name: 'Who is calling?' }).fill('089 1234567');
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.locator('.caller .matches').getByText('Müller').waitFor();

    // Only admins announce calls for others; the lookup runs with anna's rights.
    const annaToken = await httpLogin(server.url, 'anna', 'anna-password');
    const forbidden = await call(
      'POST',
      '/calls/incoming',
      { number: '1', user: 'admin' },
      annaToken,
    );
    expect(forbidden.status).toBe(403);
    const announced = await call('POST', '/calls/incoming', {
      number: '030 999888',
      user: 'anna',
    });
    expect(announced.status).toBe(200);
    const panel = page.getByRole('alertdialog', { name: /Incoming call/ });
    await panel.waitFor();
    await panel.getByRole('button', { name: /Schmidt/ }).waitFor();
    await screenshot(page, 'user-incoming-call');
    await panel.getByRole('button', { name: /Schmidt/ }).click();
    await page.getByRole('heading', { name: /Schmidt/ }).waitFor();
    expect(await panel.count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows a newly granted book without a reload (phonebooks-changed)', async () => {
    const { page, context, errors } = await openPage(browser, server.url);
    await loginAs(page, 'anna', 'anna-password');
    const books = page.getByTestId('my-books');
    await expect.poll(() => books.locator('li').count()).toBe(1);
    expect((await call('POST', '/phonebooks', { name: 'Suppliers', kind: 'builtin' })).status).toBe(
      201,
    );
    await call('PUT', '/groups/sales/resources', [
      { phonebook: 'Global.Phonebook', read: true, write: true, offline: false },
      { phonebook: 'Suppliers', read: true, write: false, offline: false },
    ]);
    await expect.poll(() => books.textContent(), { timeout: 5000 }).toContain('Suppliers');
    expect(errors).toEqual([]);
    await context.close();
  });
});
