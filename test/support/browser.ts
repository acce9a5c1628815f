import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); a browser is never downloaded. */
export const CHROMIUM = '/usr/bin/chromium';

export const SCREENSHOTS = join(process.cwd(), 'test-results', 'web');

/**
 * Starts headless Chromium. Throws when it is missing: a browser test fails, never skips.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A page that records console errors and page errors, for the "no console errors" check. */
export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

const HANDLED_STATUS = /^Failed to load resource: the server responded with a status of (412|428) /;

export async function openPage(
  browser: Browser,
  url: string,
  options: { locale?: string; width?: number; height?: number } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    locale: options.locale ?? 'en-US',
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    // Chromium logs every 4xx answer; a 412/428 is the conflict the page handles and shows.
    if (message.type() === 'error' && !HANDLED_STATUS.test(message.text())) {
      errors.push(message.text());
    }
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  return { context, page, errors };
}

/** Logs in through the form. */
export async function loginAs(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel(/^(Username|Benutzername)$/).fill(username);
  await page.getByLabel(/^(Password|Passwort)$/).fill(password);
  await page.getByRole('button', { name: /^(Log in|Anmelden)$/ }).click();
  await page.getByRole('button', { name: /^(Log out|Abmelden)$/ }).waitFor();
}

/** Saves a screenshot under test-results/web/ (git-ignored). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
