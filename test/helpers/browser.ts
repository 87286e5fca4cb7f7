import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject, type TestContext } from 'vitest';

/** Why browser tests cannot run here ('' when they can): no Chromium on the machine. */
export function browserMissing(): string {
  return inject('chromiumMissing') || (inject('chromiumWsEndpoint') ? '' : 'no Chromium was started (test/setup/chromium.ts is not in globalSetup)');
}

/** The run's one Chromium (test/setup/chromium.ts), connected from this test file. */
export async function connectBrowser(): Promise<Browser> {
  return chromium.connect(inject('chromiumWsEndpoint'));
}

/**
 * A fresh context (own cookies, own storage) on the gateway at `baseURL`. The gateway's
 * Content-Security-Policy stays in force: the dashboard must run under it.
 */
export async function newContext(browser: Browser, baseURL: string, opts: { width?: number; height?: number } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 }, timezoneId: 'UTC', locale: 'en-GB' });
  context.setDefaultTimeout(8_000);
  return context;
}

const SHOTS = join(process.cwd(), 'test-results', 'dashboard');

/** Saves a screenshot of each open page when the test fails, to test-results/dashboard/. */
export function screenshotOnFailure(ctx: TestContext, pages: () => Array<Page | undefined>): void {
  ctx.onTestFailed(async () => {
    await mkdir(SHOTS, { recursive: true });
    const base = ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 80);
    let i = 0;
    for (const page of pages()) {
      if (!page || page.isClosed()) continue;
      await page.screenshot({ path: join(SHOTS, `${base}-${i++}.png`), fullPage: true }).catch(() => undefined);
    }
  });
}

let axeSource: string | undefined;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/**
 * Runs axe-core on the page and returns its serious and critical violations. The source
 * is evaluated through the DevTools protocol, which the page's CSP (script-src 'self')
 * does not govern, so the page is checked exactly as served.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  // A string, run in the page: this file is compiled without the DOM's types.
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) })))`)) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Waits until the dashboard page shows no "Loading …" placeholder (every part of it has answered). */
export async function settled(page: Page, timeoutMs = 8_000): Promise<void> {
  const loading = page.locator('.muted', { hasText: /^Loading/ });
  for (const deadline = Date.now() + timeoutMs; (await loading.count()) > 0; ) {
    if (Date.now() > deadline) throw new Error(`still loading after ${timeoutMs} ms: ${(await loading.allTextContents()).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
