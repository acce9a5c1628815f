/**
 * Page load of the web page against a large home: time from navigation to an interactive
 * (focused) search field, to the first search results, and to the admin's phone book list,
 * in headless Chromium on loopback against a real server process.
 *
 *   npx tsx bench/web-page-load.ts [--contacts 1000000] [--home DIR] [--loads 7]
 *
 * The home is filled with `bench/fill.ts` when it holds no data set yet (and kept).
 * Needs `npm run build` (the page in dist/web) and Debian's /usr/bin/chromium.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../test/support/browser.js';
import { httpLogin, startServer } from '../test/support/server-process.js';
import { fillHome, readMeta } from './fill.js';
import { DEFAULT_SEED } from './generate.js';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '1000000' },
    home: { type: 'string' },
    loads: { type: 'string', default: '7' },
  },
});
const contacts = Number(values.contacts);
const loads = Number(values.loads);
const home = values.home ?? mkdtempSync(join(tmpdir(), 'ctibook-web-bench-'));

function median(list: number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** One cold load (new context: empty cache) with a stored session; times in ms. */
async function load(
  browser: Browser,
  url: string,
  token: string,
  user: { username: string; admin: boolean },
): Promise<{ search: number; results: number; admin?: number }> {
  const context = await browser.newContext({ locale: 'de-DE' });
  await context.addInitScript(
    (session) => sessionStorage.setItem('ctibook.session', session),
    JSON.stringify({ token, user }),
  );
  // Timed inside the page, so the harness's own round trips are not counted.
  await context.addInitScript(() => {
    const marks: Record<string, number> = {};
    (window as unknown as { marks: Record<string, number> }).marks = marks;
    document.addEventListener(
      'focusin',
      (event) => {
        if ((event.target as Element).id === 'search') marks.search ??= performance.now();
      },
      true,
    );
    document.addEventListener('input', () => (marks.typed ??= performance.now()), true);
    new MutationObserver(() => {
      if (marks.typed && document.querySelector('#results [role=option]')) {
        marks.results ??= performance.now();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector('#search:focus');
  await page.fill('#search', 'müller');
  await page.waitForSelector('#results [role=option]');
  const marks = await page.evaluate(
    () => (window as unknown as { marks: Record<string, number> }).marks,
  );
  const search = marks.search ?? NaN;
  const results = (marks.results ?? NaN) - (marks.typed ?? NaN);
  let admin: number | undefined;
  if (user.admin) {
    admin = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const start = performance.now();
          new MutationObserver((_records, observer) => {
            if (document.querySelector('table[data-testid=books] tbody tr')) {
              observer.disconnect();
              resolve(performance.now() - start);
            }
          }).observe(document, { childList: true, subtree: true });
          document.querySelector<HTMLButtonElement>('nav button:nth-child(2)')?.click();
        }),
    );
  }
  await context.close();
  return { search, results, ...(admin !== undefined ? { admin } : {}) };
}

const meta = readMeta(home);
if (!meta) {
  console.log(`filling ${home} with ${contacts.toLocaleString('en-US')} contacts`);
  const started = Date.now();
  await fillHome(home, { contacts, seed: DEFAULT_SEED, batchSize: 100_000 });
  console.log(`filled in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} else if (meta.contacts !== contacts) {
  console.log(`reusing ${home} with ${meta.contacts.toLocaleString('en-US')} contacts`);
}
const server = await startServer(['--home', home], { CTIBOOK_LOG_LEVEL: 'warn' });
const browser = await launchBrowser();
try {
  const bundle = await (await fetch(`${server.url}/`)).text();
  const assets = [...bundle.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
  let bytes = 0;
  for (const asset of assets)
    bytes += (await (await fetch(`${server.url}${asset}`)).arrayBuffer()).byteLength;
  console.log(`first load: index.html + ${assets.length} assets, ${bytes} bytes (uncompressed)`);
  for (const [username, password, admin] of [
    ['bench', 'bench-password-1', false],
    ['admin', 'bench-admin-password', true],
  ] as const) {
    const token = await httpLogin(server.url, username, password);
    const runs: Awaited<ReturnType<typeof load>>[] = [];
    for (let i = 0; i < loads; i++)
      runs.push(await load(browser, server.url, token, { username, admin }));
    const row = (key: 'search' | 'results' | 'admin') =>
      runs.map((r) => r[key]).filter((v): v is number => v !== undefined);
    console.log(
      `${username}: search field interactive median ${median(row('search')).toFixed(0)} ms ` +
        `(min ${Math.min(...row('search')).toFixed(0)}, max ${Math.max(...row('search')).toFixed(0)}); ` +
        `first results for "müller" median ${median(row('results')).toFixed(0)} ms` +
        (admin ? `; admin phone book list median ${median(row('admin')).toFixed(0)} ms` : ''),
    );
  }
} finally {
  await browser.close();
  server.child.kill('SIGTERM');
  await server.exited;
}
