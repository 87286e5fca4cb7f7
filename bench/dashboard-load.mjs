// How fast the dashboard's overview shows the modems: `serve` on the simulated modem,
// Debian's Chromium (playwright-core) loading http://.../ on loopback, the time from
// navigation start to the first modem card in the DOM (performance.now() in the page,
// recorded by a MutationObserver). Each cold load is a fresh browser context (empty
// cache, as a first visit); each warm load reloads in the same context (cached assets).
//
//   node bench/dashboard-load.mjs [--runs 5] [--history N] [--chromium /usr/bin/chromium]
//   node bench/dashboard-load.mjs --url http://127.0.0.1:3000 --screenshot docs/dashboard-overview.png
//
// --url measures a gateway already running (npm start, no tokens) instead of starting
// one; --screenshot then saves the overview as a phone-free, 1100 px wide PNG (the
// README's picture).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { seedHistory, startServe } from './lib.mjs';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    history: { type: 'string', default: '0' },
    chromium: { type: 'string', default: process.env.KATAR_CHROMIUM ?? '/usr/bin/chromium' },
    url: { type: 'string' },
    screenshot: { type: 'string' },
  },
});
const runs = Number(values.runs);
const history = Number(values.history);

// Runs in the page before its own scripts: the moment a modem card first exists.
const WATCH = `(() => {
  const seen = () => { if (!window.__cardsAt && document.querySelector('.modem-card')) { window.__cardsAt = performance.now(); return true; } return false; };
  new MutationObserver((_m, obs) => { if (seen()) obs.disconnect(); }).observe(document, { childList: true, subtree: true });
})();`;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const dir = mkdtempSync(join(tmpdir(), 'katar-dash-bench-'));
const dataDir = join(dir, 'data');
if (history > 0 && !values.url) await seedHistory(dataDir, history);
const server = values.url ? { url: values.url.replace(/\/$/, ''), proc: undefined } : await startServe({ configDir: dir, dataDir, modem: 'sim' });
const browser = await chromium.launch({ executablePath: values.chromium, headless: true, args: ['--no-sandbox'] });

async function load(page) {
  await page.goto(server.url, { waitUntil: 'commit' });
  await page.locator('.modem-card').first().waitFor({ timeout: 10_000 });
  // A function, not a string: the page's CSP forbids eval.
  return page.evaluate(() => globalThis.__cardsAt);
}

try {
  // The modem must be up before timing (a card shows its state from the first moment).
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const h = await (await fetch(`${server.url}/healthz`)).json();
    if (h.modems?.[0]?.state === 'ready') break;
  }
  const cold = [];
  const warm = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    await context.addInitScript(WATCH);
    const page = await context.newPage();
    cold.push(await load(page));
    warm.push(await load(page));
    await context.close();
  }
  const fmt = (xs) => xs.map((x) => x.toFixed(0)).join(', ');
  console.log(`dashboard overview, navigation start -> modem cards rendered, ${runs} runs, history ${history}, Chromium ${browser.version()}`);
  console.log(`  cold (fresh context): median ${median(cold).toFixed(0)} ms  [${fmt(cold)}]`);
  console.log(`  warm (reload):        median ${median(warm).toFixed(0)} ms  [${fmt(warm)}]`);
  if (values.screenshot) {
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.locator('.modem-card').first().waitFor();
    await page.locator('.chart-svg').waitFor();
    await page.screenshot({ path: values.screenshot, fullPage: true });
    await context.close();
    console.log(`  overview saved to ${values.screenshot}`);
  }
} finally {
  await browser.close();
  if (server.proc) {
    server.proc.kill('SIGTERM');
    await new Promise((r) => server.proc.on('exit', r));
  }
  rmSync(dir, { recursive: true, force: true });
}
