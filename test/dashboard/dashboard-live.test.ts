import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { axeViolations, browserMissing, connectBrowser, newContext, screenshotOnFailure, settled } from '../helpers/browser.js';
import { injectSms, startDashboardGateway, type DashboardGateway } from './dashboard-gateway.js';

const missing = browserMissing();

describe.skipIf(missing !== '')(`the dashboard without tokens, live, in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let gw: DashboardGateway;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startDashboardGateway({ tokens: false }), connectBrowser()]);
    context = await newContext(browser, gw.url, { width: 390, height: 844 }); // a phone
    page = await context.newPage();
  }, 30_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await gw?.stop();
  });
  beforeEach((ctx) => screenshotOnFailure(ctx, () => [page]));

  it('opens on the overview without a login: the simulated modem as a card', async () => {
    await page.goto('/');
    const card = page.locator('.modem-card').first();
    await card.waitFor();
    expect(await card.locator('h3').textContent()).toBe('modem0');
    await card.locator('.badge', { hasText: 'ready' }).waitFor();
    expect(await page.getByLabel('Token').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Log out' }).count()).toBe(0);
  });

  it('sends by keyboard alone, counts with the server, and shows done and delivered without reloading', async () => {
    await page.goto('/#/send');
    await page.getByLabel('To', { exact: true }).focus();
    await page.keyboard.type('+61404341143');
    await page.keyboard.press('Tab'); // to Message
    await page.keyboard.type('Hello from the dashboard €');
    // The counter is the dry run's answer: € takes two GSM 7-bit characters.
    await page.locator('#send-counter', { hasText: 'GSM 7-bit' }).waitFor();
    expect(await page.locator('#send-counter').textContent()).toMatch(/27 characters · 133 left · 1 part$/);
    // On through Send at and Valid until (Chromium stops at each part of a date) to Send.
    let focused = '';
    for (let i = 0; i < 20 && focused !== 'BUTTON:Send'; i++) {
      await page.keyboard.press('Tab');
      focused = (await page.evaluate('`${document.activeElement?.tagName}:${document.activeElement?.textContent}`')) as string;
    }
    expect(focused).toBe('BUTTON:Send');
    const navigations: string[] = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));
    await page.keyboard.press('Enter');
    const tracker = page.locator('.tracker');
    await tracker.locator('.badge', { hasText: 'done' }).waitFor();
    await tracker.locator('.badge', { hasText: 'delivered' }).waitFor();
    expect(navigations.filter((u) => !u.includes('#'))).toEqual([]);
  });

  it('shows the server\'s error for an invalid number at the To field', async () => {
    await page.goto('/#/send');
    const to = page.getByLabel('To', { exact: true });
    await to.fill('12345');
    await page.getByLabel('Message', { exact: true }).fill('hi');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const error = page.locator('#send-to-error');
    await error.waitFor();
    expect(await to.getAttribute('aria-invalid')).toBe('true');
    expect((await to.getAttribute('aria-describedby'))?.split(' ')).toContain('send-to-error');
    expect(await error.textContent()).toMatch(/to/i);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('an incoming SMS appears in the inbox and its conversation live', async () => {
    await page.goto('/#/inbox');
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await settled(page);
    await injectSms(gw, '+61400000777', 'Door is open');
    const row = page.locator('.row-item', { hasText: '+61400000777' });
    await row.getByText('Door is open').waitFor();
    await row.getByRole('link').click();
    await page.locator('.bubble-in', { hasText: 'Door is open' }).waitFor();
    await injectSms(gw, '+61400000777', 'Still open');
    await page.locator('.bubble-in', { hasText: 'Still open' }).waitFor();
    await page.getByLabel('Message', { exact: true }).fill('Closing it now');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.locator('.bubble-out', { hasText: 'Closing it now' }).locator('.badge', { hasText: 'delivered' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
  });

  it('lists messages newest first, searched by number, filtered by status, a page at a time; a message shows its detail', async () => {
    const sendAt = new Date(Date.now() + 3600_000).toISOString();
    const messages = Array.from({ length: 27 }, (_, i) => ({ to: '+61400000555', msg: `reminder ${i + 1}`, sendAt }));
    const res = await fetch(`${gw.url}/v1/queue/sms/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [...messages, { to: '+61400000556', msg: 'other', sendAt }] }) });
    expect(res.status).toBe(201);
    const { messages: tasks } = (await res.json()) as { messages: Array<{ _id: string }> };
    expect((await fetch(`${gw.url}/v1/queue/sms/tasks/${tasks[3]!._id}`, { method: 'DELETE' })).status).toBe(200);

    await page.goto('/#/messages');
    await page.getByLabel('Number', { exact: true }).fill('+61 400 000 555');
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.locator('.rows .row-item');
    await rows.first().getByText('reminder 27').waitFor(); // newest first
    expect(await rows.count()).toBe(25);
    await page.getByRole('button', { name: 'Older' }).click();
    await rows.nth(26).getByText('reminder 1', { exact: true }).waitFor();
    expect(await rows.count()).toBe(27);
    expect(await page.getByRole('button', { name: 'Older' }).count()).toBe(0);

    await page.getByLabel('Status', { exact: true }).selectOption('cancelled');
    await rows.first().getByText('reminder 4').waitFor();
    expect(await rows.count()).toBe(1);
    await rows.first().getByRole('link').click();
    await page.getByText('Not handed to a worker yet').waitFor();
    expect(await page.getByRole('button', { name: 'Cancel message' }).count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('a message opened while its delivery report arrives shows it: the stream starts before the page reads the message', async () => {
    const res = await fetch(`${gw.url}/v1/queue/sms/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: '+61404341143', msg: 'Opened in flight', sendAt: new Date(Date.now() + 2000).toISOString() }) });
    const { _id: id } = (await res.json()) as { _id: string };
    const delivered = async (): Promise<boolean> => ((await (await fetch(`${gw.url}/v1/queue/sms/tasks/${id}`)).json()) as { delivery?: { status: string } }).delivery?.status === 'delivered';
    // The dashboard's read of where the event log stands is held until the report is in:
    // whatever the page read before that point must not be what stays on screen.
    await page.route('**/v1/events?*', async (route) => {
      if (new URL(route.request().url()).searchParams.get('limit') === '1') {
        for (let i = 0; i < 300 && !(await delivered()); i++) await new Promise((r) => setTimeout(r, 50));
      }
      await route.continue();
    });
    try {
      // A fresh start of the app on this page, while the message waits for its sendAt.
      await page.goto(`/#/messages/${encodeURIComponent(id)}`);
      await page.reload();
      await page.getByRole('table').nth(1).locator('.badge', { hasText: 'delivered' }).waitFor({ timeout: 15_000 });
    } finally {
      await page.unroute('**/v1/events?*');
    }
  });

  it('on a phone, the tables that scroll sideways (a sent message\'s attempts and delivery, events, system) are named regions a keyboard can scroll', async () => {
    const res = await fetch(`${gw.url}/v1/queue/sms/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ to: '+61404341143', msg: 'Tables on a phone' }] }) });
    expect(res.status).toBe(201);
    const { messages: [sent] } = (await res.json()) as { messages: Array<{ _id: string }> };
    await page.goto(`/#/messages/${encodeURIComponent(sent!._id)}`);
    const [attemptsTable, deliveryTable] = [page.getByRole('table').nth(0), page.getByRole('table').nth(1)];
    // Sent, then its status report back from the simulated network, shown live: a loaded machine takes a while.
    await attemptsTable.locator('tbody tr').first().waitFor({ timeout: 15_000 });
    await deliveryTable.locator('.badge', { hasText: 'delivered' }).waitFor({ timeout: 15_000 });
    await settled(page);
    expect(await axeViolations(page)).toEqual([]);
    // Both overflow the phone's width (else this would check nothing); each is a named tab stop.
    const attempts = page.getByRole('region', { name: 'Attempts' });
    const delivery = page.getByRole('region', { name: 'Delivery per part' });
    for (const region of [attempts, delivery]) {
      expect(await region.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
      expect(await region.getAttribute('tabindex')).toBe('0');
    }
    // The keyboard reaches the table and scrolls it.
    await attempts.focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => attempts.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);

    // A sender of 15 digits, the longest number there is, makes the events table overflow too.
    await injectSms(gw, '+491511234567890', 'From far away');
    await page.goto('/#/events');
    await page.getByRole('table', { name: /Recent events/ }).getByText('from +491511234567890').waitFor();
    await settled(page);
    expect(await axeViolations(page)).toEqual([]);
    const events = page.getByRole('region', { name: 'Recent events' });
    expect(await events.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    expect(await events.getAttribute('tabindex')).toBe('0');
    // Where the table fits (a wide window) it is a plain box again: no tab stop that scrolls nothing.
    await page.setViewportSize({ width: 1280, height: 900 });
    await expect.poll(() => events.count()).toBe(0);
    expect(await page.locator('.table-wrap[tabindex]').count()).toBe(0);
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => events.count()).toBe(1);

    await page.goto('/#/system');
    await page.getByRole('heading', { name: 'Data directory' }).waitFor();
    await settled(page);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('an unplugged modem\'s card shows no signal bars and since when it is not ready; replugged, ready again with its bars', async () => {
    const fault = async (kind: string): Promise<void> => {
      const res = await fetch(`${gw.control}/fault`, { method: 'POST', body: JSON.stringify({ kind }) });
      expect(res.status).toBe(200);
    };
    await page.goto('/');
    const card = page.locator('.modem-card').first();
    await card.locator('.badge', { hasText: 'ready' }).waitFor();
    await card.getByText(/of 4 bars/).waitFor();
    await card.getByText('Katar Mobile').waitFor();
    await fault('unplug');
    try {
      // Disconnected, or already at its next reconnect attempt (connecting).
      await card.getByText(/^no signal while (disconnected|connecting)$/).waitFor();
      expect(await card.getByText(/of 4 bars/).count()).toBe(0);
      expect(await card.getByText('Not ready since').count()).toBe(1);
      expect(await card.getByText('Katar Mobile').count()).toBe(0);
    } finally {
      await fault('replug');
    }
    await card.locator('.badge', { hasText: 'ready' }).waitFor({ timeout: 15_000 });
    await card.getByText(/of 4 bars/).waitFor({ timeout: 15_000 });
    expect(await card.getByText('Ready since').count()).toBe(1);
  }, 30_000);

  it('shows "Reconnecting…" while the gateway restarts, then resumes the stream by event id', async () => {
    await page.goto('/#/inbox');
    await page.locator('.row-item').first().waitFor();
    const banner = page.getByRole('status').filter({ hasText: 'Reconnecting' });
    const restarted = gw.restart();
    await banner.waitFor({ timeout: 15_000 });
    await restarted;
    // Received while the page may not be connected yet: the resumed stream brings it.
    await injectSms(gw, '+61400000888', 'While you were away');
    await banner.waitFor({ state: 'hidden', timeout: 15_000 });
    await page.locator('.row-item', { hasText: 'While you were away' }).waitFor({ timeout: 10_000 });
  }, 40_000);
});
