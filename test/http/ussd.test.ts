import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { KatarError } from '../../src/errors.js';
import { buildApp } from '../../src/http/app.js';
import type { ModemControl } from '../../src/gateway/modem-controls.js';
import { startHttp } from '../helpers/http-harness.js';
import { startModemHarness, type ModemHarness } from '../helpers/modem-harness.js';
import { setUssdAnswers } from '../../src/simulator/behaviours/ussd.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const json = { 'content-type': 'application/json' };
const ADMIN = 'admin-token-0123456789';
const PRODUCER = 'producer-token-0123456789';

/** A modem control that answers what the test says. */
function scripted(answer: () => Promise<unknown>): ModemControl {
  const call = async () => (await answer()) as never;
  return { ussd: call, ussdReply: call, ussdCancel: call };
}

async function app(control?: ModemControl, raw: Record<string, unknown> = {}) {
  const h = await startHttp(raw);
  cleanups.push(() => h.close());
  if (control) h.gateway.parts.controls.register('modem0', control);
  return h.app;
}

describe('POST /v1/modems/:name/ussd on the simulated modem', () => {
  let h: ModemHarness;
  it('answers the balance, walks a menu and cancels', async () => {
    h = await startModemHarness();
    cleanups.push(() => h.close());
    await h.session.whenReady();
    setUssdAnswers(h.sim, {}, 20);
    const a = await buildApp({ parts: h.gateway.parts, config: parseConfig({}) });
    cleanups.push(() => a.close());
    const balance = await a.inject({ method: 'POST', url: '/v1/modems/sim0/ussd', headers: json, payload: { code: '*100#' } });
    expect(balance.statusCode).toBe(200);
    expect(balance.json()).toEqual({ modem: 'sim0', status: 0, statusText: 'no further action required', text: 'Balance: 12.34 EUR. Valid until 2027-01-31', session: 'closed', dcs: 15 });
    const menu = await a.inject({ method: 'POST', url: '/v1/modems/sim0/ussd', headers: json, payload: { code: '*123#' } });
    expect(menu.json()).toMatchObject({ status: 1, session: 'open', text: 'Main menu\n1 Balance\n2 Data' });
    const busy = await a.inject({ method: 'POST', url: '/v1/modems/sim0/ussd', headers: json, payload: { code: '*100#' } });
    expect(busy.statusCode).toBe(409);
    expect(busy.json()).toMatchObject({ code: 'USSD_BUSY' });
    const reply = await a.inject({ method: 'POST', url: '/v1/modems/sim0/ussd/reply', headers: json, payload: { text: '1' } });
    expect(reply.json()).toMatchObject({ status: 0, session: 'closed', text: 'Balance: 12.34 EUR' });
    const none = await a.inject({ method: 'POST', url: '/v1/modems/sim0/ussd/reply', headers: json, payload: { text: '1' } });
    expect(none.statusCode).toBe(409);
    expect(none.json()).toMatchObject({ code: 'USSD_NO_SESSION' });
    await a.inject({ method: 'POST', url: '/v1/modems/sim0/ussd', headers: json, payload: { code: '*123#' } });
    const cancel = await a.inject({ method: 'DELETE', url: '/v1/modems/sim0/ussd' });
    expect(cancel.json()).toEqual({ modem: 'sim0', cancelled: true });
    const timeout = await a.inject({ method: 'POST', url: '/v1/modems/sim0/ussd', headers: json, payload: { code: '*999#', timeoutMs: 1000 } });
    expect(timeout.statusCode).toBe(504);
    expect(timeout.json()).toMatchObject({ code: 'USSD_TIMEOUT', message: expect.stringMatching(/did not answer \*999# within 1 s on modem sim0; the USSD session was cancelled/) });
  });
});

describe('USSD routes: refusals', () => {
  it('404 for a modem the gateway does not drive, naming the ones it does', async () => {
    const a = await app(scripted(async () => ({})));
    const r = await a.inject({ method: 'POST', url: '/v1/modems/nope/ussd', headers: json, payload: { code: '*100#' } });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ code: 'MODEM_NOT_FOUND', message: 'no built-in modem named "nope" (modems: modem0)' });
  });

  it('400 for a code that is not a USSD code, naming the field', async () => {
    const a = await app(scripted(async () => ({})));
    for (const code of ['', 'abc', '*100#"', '1'.repeat(183)]) {
      const r = await a.inject({ method: 'POST', url: '/v1/modems/modem0/ussd', headers: json, payload: { code } });
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({ code: 'VALIDATION', field: 'code' });
    }
    const missing = await a.inject({ method: 'POST', url: '/v1/modems/modem0/ussd', headers: json, payload: {} });
    expect(missing.json()).toMatchObject({ code: 'VALIDATION', field: 'code', message: 'code is required' });
  });

  it('503 with Retry-After when the modem is not ready, 504 on a timeout, with their messages', async () => {
    const notReady = await app(scripted(async () => {
      throw new KatarError('MODEM_NOT_READY', 'modem modem0 is connecting: USSD needs it ready and registered');
    }));
    const r = await notReady.inject({ method: 'POST', url: '/v1/modems/modem0/ussd', headers: json, payload: { code: '*100#' } });
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('10');
    expect(r.json()).toEqual({ error: 'Service Unavailable', code: 'MODEM_NOT_READY', message: 'modem modem0 is connecting: USSD needs it ready and registered' });
    const rejected = await app(scripted(async () => {
      throw new KatarError('USSD_REJECTED', 'modem modem0 refused the USSD request (+CME ERROR: 258)');
    }));
    const j = await rejected.inject({ method: 'POST', url: '/v1/modems/modem0/ussd', headers: json, payload: { code: '*100#' } });
    expect(j.statusCode).toBe(502);
    expect(j.json()).toMatchObject({ error: 'Bad Gateway', code: 'USSD_REJECTED' });
  });

  it('is for admin tokens only', async () => {
    const a = await app(scripted(async () => ({ status: 0, statusText: 'x', text: 'ok', session: 'closed' })), {
      tokens: [
        { name: 'a', token: ADMIN, role: 'admin' },
        { name: 'p', token: PRODUCER, role: 'producer' },
      ],
    });
    const anon = await a.inject({ method: 'POST', url: '/v1/modems/modem0/ussd', headers: json, payload: { code: '*100#' } });
    expect(anon.statusCode).toBe(401);
    const producer = await a.inject({ method: 'POST', url: '/v1/modems/modem0/ussd', headers: { ...json, authorization: `Bearer ${PRODUCER}` }, payload: { code: '*100#' } });
    expect(producer.statusCode).toBe(403);
    const admin = await a.inject({ method: 'POST', url: '/v1/modems/modem0/ussd', headers: { ...json, authorization: `Bearer ${ADMIN}` }, payload: { code: '*100#' } });
    expect(admin.statusCode).toBe(200);
    expect(admin.json()).toEqual({ modem: 'modem0', status: 0, statusText: 'x', text: 'ok', session: 'closed' });
  });
});

/** Prometheus's own checker (Debian package `prometheus`). */
const promtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;

describe('katar_modem_balance', () => {
  it('shows the latest balance amount per modem, and promtool accepts it', async () => {
    const h = await startHttp({});
    cleanups.push(() => h.close());
    const before = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(before).not.toContain('katar_modem_balance');
    h.gateway.parts.controls.setBalance('modem0', { text: 'Balance: 12.34 EUR', amount: 12.34, at: new Date().toISOString() });
    h.gateway.parts.controls.setBalance('modem1', { text: 'no number here', at: new Date().toISOString() });
    const text = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('# TYPE katar_modem_balance gauge\nkatar_modem_balance{modem="modem0"} 12.34\n');
    expect(text).not.toContain('modem="modem1"} ');
    if (!promtool) return;
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: check.status, problems: `${check.stdout}${check.stderr}`.trim() }).toEqual({ status: 0, problems: '' });
  });
});
