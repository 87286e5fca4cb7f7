import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { axeViolations, browserMissing, connectBrowser, newContext, screenshotOnFailure, settled } from '../helpers/browser.js';
import { startDashboardGateway, TOKENS, type DashboardGateway } from './dashboard-gateway.js';

const missing = browserMissing();

/** Logs in through the form as a user would and waits for the overview. */
async function logIn(page: Page, token: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
}

describe.skipIf(missing !== '')(`the dashboard with tokens, in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let gw: DashboardGateway;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let page: Page | undefined;

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startDashboardGateway({ tokens: true, failingWebhook: true }), connectBrowser()]);
  }, 30_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await gw?.stop();
  });
  beforeEach(async (ctx) => {
    // A fresh cookie jar for each test: each logs in as someone else.
    await context?.close();
    context = await newContext(browser, gw.url);
    page = await context.newPage();
    screenshotOnFailure(ctx, () => [page]);
  });

  it('refuses a worker token with the server\'s message at the field, then takes a producer token', async () => {
    const p = page!;
    await logIn(p, TOKENS.worker);
    const token = p.getByLabel('Token');
    await p.getByText('worker tokens cannot open the dashboard').waitFor();
    expect(await token.getAttribute('aria-invalid')).toBe('true');

    await token.fill(TOKENS.producer);
    await p.getByRole('button', { name: 'Log in' }).click();
    await p.locator('.modem-card').first().waitFor();
    expect(await p.locator('.modem-card h3').first().textContent()).toBe('modem0');
    // A session cookie the page's scripts cannot read.
    const cookie = (await context!.cookies()).find((c) => c.name === 'katar_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await p.evaluate('document.cookie')).not.toContain('katar_session');
  });

  it('a producer sees no admin page: System and webhook administration say they need an admin token', async () => {
    const p = page!;
    await logIn(p, TOKENS.producer);
    await p.locator('.modem-card').first().waitFor();
    await p.getByRole('link', { name: 'System' }).click();
    await p.getByText('The system page needs an admin token').waitFor();
    expect(await p.getByText('Configuration in effect').count()).toBe(0);
    await p.getByRole('link', { name: 'Events & webhooks' }).click();
    await p.getByText('Webhook administration needs an admin token').waitFor();
    // And the API behind them refuses the producer's cookie too.
    const status = await p.evaluate(async () => (await fetch('/v1/system')).status);
    expect(status).toBe(403);
  });

  it('a producer schedules a send and cancels it (cookie and CSRF header on both changes)', async () => {
    const p = page!;
    await logIn(p, TOKENS.producer);
    await p.locator('.modem-card').first().waitFor();
    await p.getByRole('link', { name: 'Send' }).click();
    await p.getByLabel('To', { exact: true }).fill('+61404341143');
    await p.getByLabel('Message', { exact: true }).fill('See you tomorrow');
    const inAnHour = new Date(Date.now() + 3600_000).toISOString().slice(0, 16); // the context runs in UTC
    await p.getByLabel('Send at').fill(inAnHour);
    await p.getByRole('button', { name: 'Send', exact: true }).click();
    await p.locator('.tracker').getByText('scheduled').waitFor();
    await p.getByRole('link', { name: 'Message details' }).click();
    await p.getByRole('button', { name: 'Cancel message' }).click();
    await p.locator('.badge', { hasText: 'cancelled' }).waitFor();
    expect(await p.getByRole('button', { name: 'Cancel message' }).count()).toBe(0);
  });

  it('an admin sees every page, and axe-core finds no serious or critical violation on any of them; logout ends the session', async () => {
    const p = page!;
    // An SMS queued through the API: its event goes to a webhook receiver that is not there.
    const queued = await fetch(`${gw.url}/v1/queue/sms/send`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ to: '+61404341143', msg: 'webhook bait' }) });
    expect(queued.status).toBe(201);
    await p.goto('/');
    await p.getByLabel('Token').waitFor();
    expect(await axeViolations(p), 'login page').toEqual([]);
    await logIn(p, TOKENS.admin);
    await p.locator('.modem-card').first().waitFor();
    await p.locator('.chart-svg').waitFor();
    await p.getByText(/crm: failing, \d+ dead letters?/).waitFor();
    expect(await axeViolations(p), 'overview').toEqual([]);

    const pages: Array<[string, string]> = [
      ['#/send', 'Type a message'],
      ['#/messages', 'Messages'],
      ['#/inbox', 'Inbox'],
      ['#/events', 'Recent events'],
      ['#/system', 'Configuration in effect'],
    ];
    for (const [hash, text] of pages) {
      await p.goto(`/${hash}`);
      await p.getByText(text, { exact: false }).first().waitFor();
      await settled(p);
      expect(await axeViolations(p), hash).toEqual([]);
    }
    expect(await p.locator('.config').textContent()).toContain('"tokens"');
    expect(await p.locator('.config').textContent()).not.toContain(TOKENS.admin);
    expect(await p.locator('.config').textContent()).not.toContain('a-webhook-secret-0123456789');

    await p.goto('/#/events');
    await p.getByRole('button', { name: 'Redeliver the dead letters of crm' }).click();
    await p.getByText(/crm: redelivering \d+ dead letters?\./).waitFor();
    await p.getByRole('button', { name: 'Send a test event to crm' }).click();
    await p.getByText(/crm: the test event failed: .*refused/).waitFor();

    await p.getByRole('button', { name: 'Log out' }).click();
    await p.getByLabel('Token').waitFor();
    await p.reload();
    await p.getByLabel('Token').waitFor();
  });
});
