import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SESSION_KEY_FILE, SESSION_MAX_AGE_MS, SessionSigner } from '../../src/http/session-cookie.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { SseClient } from '../helpers/sse-client.js';
import { dashboardApp, login, sessionCookie, TOKENS, type DashboardApp } from './dashboard-harness.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(opts: Parameters<typeof dashboardApp>[1] = {}): Promise<DashboardApp & { dir: string }> {
  const tmp = await makeTmpDir();
  cleanups.push(tmp.cleanup);
  const h = await dashboardApp(tmp.dir, opts);
  cleanups.push(() => h.close());
  return { ...h, dir: tmp.dir };
}

const SEND = { to: '+61404123456', msg: 'hello' };

describe('dashboard sessions', () => {
  it('GET /v1/session without tokens: no login, anonymous', async () => {
    const h = await start({ rawConfig: { tokens: [] } });
    const res = await h.app.inject({ method: 'GET', url: '/v1/session' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ authRequired: false, principal: { name: 'anonymous', role: 'anonymous' } });
  });

  it('GET /v1/session with tokens and no cookie: authRequired, no principal', async () => {
    const h = await start();
    expect((await h.app.inject({ method: 'GET', url: '/v1/session' })).json()).toEqual({ authRequired: true, principal: null });
  });

  it.each([
    ['producer', TOKENS.producer, 'app'],
    ['admin', TOKENS.admin, 'root'],
  ])('a %s token opens a session: HttpOnly SameSite=Strict cookie, principal and CSRF token', async (role, token, name) => {
    const h = await start();
    const res = await h.app.inject({ method: 'POST', url: '/v1/session', payload: { token } });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ principal: unknown; csrfToken: string }>();
    expect(body.principal).toEqual({ name, role });
    expect(body.csrfToken).toMatch(/^[\w-]{20,}$/);
    const set = String(res.headers['set-cookie']);
    expect(set).toMatch(/^katar_session=v1\.[\w-]+\.[\w-]+;/);
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Strict');
    expect(set).toContain('Path=/');
    expect(set).not.toContain('Secure');
    // Nothing of the token in the cookie.
    expect(set).not.toContain(token);
    const cookie = sessionCookie(res.headers['set-cookie']);
    const me = await h.app.inject({ method: 'GET', url: '/v1/session', headers: { cookie } });
    expect(me.json()).toEqual({ authRequired: true, principal: { name, role }, csrfToken: body.csrfToken });
    // The key is kept in the data dir, readable by the owner only.
    expect((await stat(join(h.dir, SESSION_KEY_FILE))).mode & 0o777).toBe(0o600);
  });

  it('refuses a worker token 403, an unknown token 401, a missing token 400 naming it; no cookie is set', async () => {
    const h = await start();
    const worker = await h.app.inject({ method: 'POST', url: '/v1/session', payload: { token: TOKENS.worker } });
    expect(worker.statusCode).toBe(403);
    expect(worker.json()).toMatchObject({ code: 'FORBIDDEN', message: 'worker tokens cannot open the dashboard', field: 'token' });
    const bad = await h.app.inject({ method: 'POST', url: '/v1/session', payload: { token: 'not-a-token-at-all-000' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toMatchObject({ code: 'UNAUTHORIZED', field: 'token' });
    const missing = await h.app.inject({ method: 'POST', url: '/v1/session', payload: {} });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ code: 'VALIDATION', field: 'token' });
    const wrongType = await h.app.inject({ method: 'POST', url: '/v1/session', payload: { token: 42 } });
    expect(wrongType.json()).toMatchObject({ code: 'VALIDATION', field: 'token' });
    for (const r of [worker, bad, missing, wrongType]) expect(r.headers['set-cookie']).toBeUndefined();
  });

  it('counts failed logins with the bearer failures: too many from one address are refused 429', async () => {
    const h = await start({ rawConfig: { rateLimit: { max: 1000, windowMs: 60_000, authFailures: 3 } } });
    for (let i = 0; i < 3; i++) expect((await h.app.inject({ method: 'POST', url: '/v1/session', payload: { token: `guess-${i}-0000000000000` } })).statusCode).toBe(401);
    const blocked = await h.app.inject({ method: 'POST', url: '/v1/session', payload: { token: TOKENS.producer } });
    expect(blocked.statusCode).toBe(429);
  });

  it('the cookie authenticates producer routes like its token; a producer cookie cannot reach /v1/system', async () => {
    const h = await start();
    const { cookie } = await login(h.app, TOKENS.producer);
    const list = await h.app.inject({ method: 'GET', url: '/v1/queue/sms/tasks', headers: { cookie } });
    expect(list.statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/v1/modems', headers: { cookie } })).statusCode).toBe(200);
    const system = await h.app.inject({ method: 'GET', url: '/v1/system', headers: { cookie } });
    expect(system.statusCode).toBe(403);
    expect(system.json()).toMatchObject({ code: 'FORBIDDEN' });
    const admin = await login(h.app, TOKENS.admin);
    expect((await h.app.inject({ method: 'GET', url: '/v1/system', headers: { cookie: admin.cookie } })).statusCode).toBe(200);
    // Without any credential: 401 as before.
    expect((await h.app.inject({ method: 'GET', url: '/v1/queue/sms/tasks' })).statusCode).toBe(401);
  });

  it('a change made with the cookie needs x-csrf-token: missing or wrong is 403 CSRF_REJECTED and nothing is stored', async () => {
    const h = await start();
    const { cookie, csrf } = await login(h.app, TOKENS.producer);
    const other = await login(h.app, TOKENS.producer);
    for (const headers of [{ cookie }, { cookie, 'x-csrf-token': 'wrong' }, { cookie, 'x-csrf-token': other.csrf }]) {
      const res = await h.app.inject({ method: 'POST', url: '/v1/queue/sms/send', headers, payload: SEND });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'CSRF_REJECTED' });
    }
    expect(h.queue.counts('sms').queued).toBe(0);
    expect(h.queue.events.bounds().newest).toBe(0);
    const ok = await h.app.inject({ method: 'POST', url: '/v1/queue/sms/send', headers: { cookie, 'x-csrf-token': csrf }, payload: SEND });
    expect(ok.statusCode).toBe(201);
    const id = ok.json<{ _id: string }>()._id;
    // DELETE is a change too.
    const cancel = await h.app.inject({ method: 'DELETE', url: `/v1/queue/sms/tasks/${id}`, headers: { cookie } });
    expect(cancel.statusCode).toBe(403);
    expect((await h.queue.get('sms', id)).status).toBe('queued');
    expect((await h.app.inject({ method: 'DELETE', url: `/v1/queue/sms/tasks/${id}`, headers: { cookie, 'x-csrf-token': csrf } })).json()).toMatchObject({ status: 'cancelled' });
  });

  it('a bearer token needs no CSRF header, with or without a cookie beside it', async () => {
    const h = await start();
    const { cookie } = await login(h.app, TOKENS.producer);
    const plain = await h.app.inject({ method: 'POST', url: '/v1/queue/sms/send', headers: { authorization: `Bearer ${TOKENS.producer}` }, payload: SEND });
    expect(plain.statusCode).toBe(201);
    const both = await h.app.inject({ method: 'POST', url: '/v1/queue/sms/send', headers: { authorization: `Bearer ${TOKENS.producer}`, cookie }, payload: SEND });
    expect(both.statusCode).toBe(201);
    expect(h.queue.counts('sms').queued).toBe(2);
  });

  it('logout: 204, the cookie is cleared and refused afterwards; logout needs the CSRF token', async () => {
    const h = await start();
    const { cookie, csrf } = await login(h.app, TOKENS.producer);
    const forged = await h.app.inject({ method: 'DELETE', url: '/v1/session', headers: { cookie } });
    expect(forged.statusCode).toBe(403);
    expect(forged.json()).toMatchObject({ code: 'CSRF_REJECTED' });
    expect((await h.app.inject({ method: 'GET', url: '/v1/queue/sms/tasks', headers: { cookie } })).statusCode).toBe(200);
    const out = await h.app.inject({ method: 'DELETE', url: '/v1/session', headers: { cookie, 'x-csrf-token': csrf } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^katar_session=;.*(Expires=Thu, 01 Jan 1970|Max-Age=0)/);
    const after = await h.app.inject({ method: 'GET', url: '/v1/queue/sms/tasks', headers: { cookie } });
    expect(after.statusCode).toBe(401);
    expect(after.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await h.app.inject({ method: 'GET', url: '/v1/session', headers: { cookie } })).json()).toEqual({ authRequired: true, principal: null });
    // Logging out without a session is harmless.
    expect((await h.app.inject({ method: 'DELETE', url: '/v1/session' })).statusCode).toBe(204);
  });

  it('sessions survive a restart; a token removed from the config ends its sessions (401)', async () => {
    const tmp = await makeTmpDir();
    cleanups.push(tmp.cleanup);
    const first = await dashboardApp(tmp.dir);
    const producer = await login(first.app, TOKENS.producer);
    const admin = await login(first.app, TOKENS.admin);
    await first.close();
    // The same tokens: the cookies still work.
    const again = await dashboardApp(tmp.dir);
    expect((await again.app.inject({ method: 'GET', url: '/v1/queue/sms/tasks', headers: { cookie: producer.cookie } })).statusCode).toBe(200);
    await again.close();
    // The producer token removed, and the admin token given another value under the same name.
    const changed = await dashboardApp(tmp.dir, { rawConfig: { tokens: [{ name: 'root', token: 'admin-token-rotated-000000', role: 'admin' }] } });
    cleanups.push(() => changed.close());
    for (const cookie of [producer.cookie, admin.cookie]) {
      const res = await changed.app.inject({ method: 'GET', url: '/v1/queue/sms/tasks', headers: { cookie } });
      expect(res.statusCode).toBe(401);
      expect((await changed.app.inject({ method: 'GET', url: '/v1/session', headers: { cookie } })).json()).toMatchObject({ principal: null });
    }
  });

  it('an ended session is no failed authentication: it does not lock the address out', async () => {
    const h = await start({ rawConfig: { rateLimit: { max: 1000, windowMs: 60_000, authFailures: 2 } } });
    const { cookie, csrf } = await login(h.app, TOKENS.producer);
    await h.app.inject({ method: 'DELETE', url: '/v1/session', headers: { cookie, 'x-csrf-token': csrf } });
    for (let i = 0; i < 5; i++) expect((await h.app.inject({ method: 'GET', url: '/v1/modems', headers: { cookie } })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'GET', url: '/v1/modems', headers: { authorization: `Bearer ${TOKENS.producer}` } })).statusCode).toBe(200);
  });

  it('a forged, tampered or expired cookie is refused', async () => {
    let now = Date.now();
    const key = Buffer.alloc(32, 7);
    const signer = new SessionSigner(key, () => now);
    const { cookie } = signer.issue('app', TOKENS.producer);
    expect(signer.verify(cookie)).toMatchObject({ tokenName: 'app' });
    const [v, body, sig] = cookie.split('.');
    const tampered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), n: 'root' })).toString('base64url');
    expect(signer.verify(`${v}.${tampered}.${sig}`)).toBeUndefined();
    expect(new SessionSigner(Buffer.alloc(32, 8)).verify(cookie)).toBeUndefined();
    expect(signer.verify('v1.e30.abc')).toBeUndefined();
    expect(signer.verify(undefined)).toBeUndefined();
    now += SESSION_MAX_AGE_MS + 1;
    expect(signer.verify(cookie)).toBeUndefined();
  });

  it('over a real socket: login, the cookie on a producer route and on the SSE stream, logout', async () => {
    const h = await start({ listen: true });
    const res = await fetch(`${h.url}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: TOKENS.producer }) });
    expect(res.status).toBe(200);
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    const cookie = sessionCookie(res.headers.getSetCookie());
    const stream = await SseClient.open(`${h.url}/v1/events/stream`, { cookie });
    cleanups.push(async () => stream.close());
    expect(stream.status).toBe(200);
    const sent = await fetch(`${h.url}/v1/queue/sms/send`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' }, body: JSON.stringify(SEND) });
    expect(sent.status).toBe(201);
    await stream.waitFor((c) => c.frames.some((f) => f.event === 'sms.queued'));
    const noCsrf = await fetch(`${h.url}/v1/queue/sms/send`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(SEND) });
    expect(noCsrf.status).toBe(403);
    const out = await fetch(`${h.url}/v1/session`, { method: 'DELETE', headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(out.status).toBe(204);
    const refused = await SseClient.open(`${h.url}/v1/events/stream`, { cookie });
    cleanups.push(async () => refused.close());
    expect(refused.status).toBe(401);
  });
});
