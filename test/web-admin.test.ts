import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, loginAs, openPage, screenshot } from './support/browser.js';
import type { ServerProcess } from './support/server-process.js';
import { httpLogin, startServer } from './support/server-process.js';

const ADMIN_PASSWORD = 'admin-password-1';

const CSV = [
  'First Name,Last Name,Company,Business Phone,Mobile Phone,E-mail Address',
  'Hildegard,Brandstätter,Nordwind Logistik,+49 40 5556677,,h.brandstaetter@nordwind.example',
  'Ottokar,Zimmermann,Zimmerei Zimmermann,+49 711 334455,0172 9988776,',
  'Liesel,Weber,Weberei Weber,+49 221 12121,,liesel@weber.example',
  'broken line with "a quote,,,',
].join('\n');

// A real browser on a shared, loaded machine: generous time for the whole flow.
describe('the web page, admin part (real server, headless Chromium)', { timeout: 120_000 }, () => {
  let dir: string;
  let server: ServerProcess;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ctibook-web-admin-'));
    writeFileSync(join(dir, 'partners.csv'), CSV + '\n');
    server = await startServer(['--home', join(dir, 'home')], {
      CTIBOOK_ADMIN_PASSWORD: ADMIN_PASSWORD,
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows live progress of an Update, then the report', async () => {
    const rows = ['First Name,Last Name,Business Phone'];
    for (let i = 0; i < 40_000; i++) rows.push(`Name${i},Family${i},+49 30 ${1_000_000 + i}`);
    writeFileSync(join(dir, 'big.csv'), rows.join('\n') + '\n');
    const token = await httpLogin(server.url, 'admin', ADMIN_PASSWORD);
    const created = await fetch(`${server.url}/api/v1/phonebooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Big', kind: 'csv', source: { path: join(dir, 'big.csv') } }),
    });
    expect(created.status).toBe(201);
    const { page, context, errors } = await openPage(browser, server.url);
    await loginAs(page, 'admin', ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Admin', exact: true }).click();
    const row = page.locator('tr[data-book="Big"]');
    await expect
      .poll(() => row.locator('td').nth(1).textContent(), { timeout: 60_000 })
      .toBe('40000');
    // Every progress text the row shows is recorded in the page, so none is missed.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver(() => {
        const text = document.querySelector('[data-testid=sync-progress]')?.textContent;
        if (text && seen.at(-1) !== text) seen.push(text);
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    await row.getByRole('button', { name: 'Update' }).click();
    await row.getByTestId('sync-report').waitFor({ timeout: 60_000 });
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen.some((text) => /^(reading|writing): [\d,]+ records$/.test(text))).toBe(true);
    expect(await row.getByTestId('sync-report').textContent()).toContain('0 added');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('an admin creates a CSV book in the wizard and grants it; a user finds a contact and writes a note another session sees', async () => {
    const admin = await openPage(browser, server.url);
    const { page } = admin;
    await loginAs(page, 'admin', ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Admin', exact: true }).click();
    await page.getByRole('heading', { name: 'Phone books' }).waitFor();

    // New… : the wizard, for a CSV file.
    await page.getByRole('button', { name: 'New…' }).click();
    const wizard = page.getByRole('dialog', { name: 'New phone book' });
    await wizard.getByLabel('Name').fill('Partners');
    await wizard.getByLabel('Kind').selectOption('csv');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('Path').fill(join(dir, 'partners.csv'));
    await wizard.getByRole('button', { name: 'Test connection' }).click();
    await wizard.getByRole('status').filter({ hasText: 'Connection works' }).waitFor();
    await wizard.getByRole('button', { name: 'Next' }).click();
    const preview = wizard.getByTestId('preview');
    await preview.getByText('Zimmermann').first().waitFor();
    expect(await wizard.getByLabel('Company', { exact: true }).inputValue()).toBe('Company');
    await screenshot(page, 'admin-wizard-preview');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('button', { name: 'Create' }).click();
    await wizard.waitFor({ state: 'detached' });
    const row = page.locator('tr[data-book="Partners"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('csv');

    // Update: the report, with the skipped line.
    await row.getByRole('button', { name: 'Update' }).click();
    const report = row.getByTestId('sync-report');
    await report.waitFor();
    expect(await report.textContent()).toMatch(/skipped/);
    await expect.poll(() => row.locator('td').nth(1).textContent()).toBe('3');
    await screenshot(page, 'admin-phonebooks');

    // Settings… : the Cache tab, then write protection on the Properties tab.
    await row.getByRole('button', { name: 'Settings…' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings… Partners' });
    await settings.getByLabel('Cache mode').selectOption('full');
    await settings.getByLabel('At (HH:MM or startup)').fill('06:30');
    await settings.getByRole('tab', { name: 'Properties' }).click();
    await settings.getByLabel('Write protection').check();
    await expect
      .poll(() => settings.getByLabel('Last name', { exact: true }).inputValue())
      .toBe('Last Name');
    await screenshot(page, 'admin-settings');
    await settings.getByRole('button', { name: 'Save' }).click();
    await settings.waitFor({ state: 'detached' });
    await expect.poll(() => row.locator('td').nth(2).textContent()).toBe('Yes');

    // A user, a group with that user, and the group's resources.
    await page.getByRole('button', { name: 'Users', exact: true }).click();
    await page.getByLabel('Username', { exact: true }).fill('bob');
    await page.getByLabel('Password', { exact: true }).fill('bob-password');
    await page.getByLabel('Extensions', { exact: true }).fill('202');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('rowheader', { name: 'bob' }).waitFor();
    await page.getByRole('button', { name: 'Groups', exact: true }).click();
    await page.getByLabel('New group').fill('partners-team');
    await page.getByRole('button', { name: 'Create' }).click();
    const group = page.locator('fieldset[data-group="partners-team"]');
    await group.getByLabel('bob').check();
    await expect.poll(() => group.getByLabel('bob').isChecked()).toBe(true);
    await group.getByRole('button', { name: 'Resources…' }).click();
    const matrix = page.getByRole('dialog', { name: 'Resources of partners-team' });
    await matrix.getByLabel('Partners: write').check();
    expect(await matrix.getByLabel('Partners: read').isChecked()).toBe(true);
    await screenshot(page, 'admin-resources');
    await matrix.getByRole('button', { name: 'Save' }).click();
    await matrix.waitFor({ state: 'detached' });

    // The user finds a contact by part of the name, opens it and writes a note.
    const user = await openPage(browser, server.url);
    await loginAs(user.page, 'bob', 'bob-password');
    const search = user.page.getByRole('combobox', { name: 'Search' });
    await search.pressSequentially('zimmer');
    await user.page.getByRole('option', { name: /Ottokar Zimmermann/ }).waitFor();
    await search.press('Enter');
    await user.page.getByRole('heading', { name: 'Ottokar Zimmermann' }).waitFor();
    expect(await user.page.getByLabel('Mobile phone', { exact: true }).inputValue()).toBe(
      '0172 9988776',
    );
    await user.page.getByLabel('Note', { exact: true }).fill('Prefers e-mail before calls');
    await user.page.getByRole('button', { name: 'Save note' }).click();
    await user.page
      .getByRole('status')
      .filter({ hasText: /^Saved$/ })
      .waitFor();
    await screenshot(user.page, 'user-contact');

    const other = await openPage(browser, server.url, { width: 390, height: 844 });
    await loginAs(other.page, 'bob', 'bob-password');
    const otherSearch = other.page.getByRole('combobox', { name: 'Search' });
    await otherSearch.pressSequentially('ottok');
    await other.page.getByRole('option', { name: /Ottokar/ }).click();
    await expect
      .poll(() => other.page.getByLabel('Note', { exact: true }).inputValue())
      .toBe('Prefers e-mail before calls');
    await screenshot(other.page, 'user-contact-phone');

    // Location tester and status.
    await page.getByRole('button', { name: 'Location', exact: true }).click();
    await page.getByLabel('Number to test').fill('+49 89 1234567');
    await expect
      .poll(() => page.getByTestId('number-reading').textContent())
      .toContain('+49891234567');
    await screenshot(page, 'admin-location');
    await page.getByRole('button', { name: 'Status', exact: true }).click();
    await page.getByRole('heading', { name: 'Status' }).waitFor();
    expect(await page.locator('main').textContent()).toContain(join(dir, 'home'));
    const history = page.locator('tr', { hasText: 'Partners' }).getByTestId('sync-history');
    expect(await history.textContent()).toMatch(
      /ok \(\d+ added, \d+ updated, \d+ deleted, 1 skipped\)/,
    );
    await screenshot(page, 'admin-status');

    // Delete says where the folder goes; the trash gives it back.
    await page.getByRole('button', { name: 'Phone books', exact: true }).click();
    await page.locator('tr[data-book="Partners"]').getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete phone book Partners?' });
    expect(await confirm.textContent()).toContain('trash');
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await page.locator('tr[data-book="Partners"]').waitFor({ state: 'detached' });
    const trash = page.getByTestId('trash');
    await trash.getByText('Partners').waitFor();
    await trash.getByRole('button', { name: 'Restore' }).click();
    await page.locator('tr[data-book="Partners"]').waitFor();

    expect(admin.errors).toEqual([]);
    expect(user.errors).toEqual([]);
    expect(other.errors).toEqual([]);
    for (const session of [admin, user, other]) await session.context.close();
  });
});
