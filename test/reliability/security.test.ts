import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCli, startChild, type ChildGateway } from '../helpers/child-gateway.js';
import { startHttp, type HttpHarness } from '../helpers/http-harness.js';
import { until } from '../helpers/modem-harness.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/**
 * Security beyond the per-route matrix of test/http/producer-api.test.ts: secrets stay out
 * of the logs of a real process at every level, rate limits hold under concurrency on a
 * real socket, the gateway never listens beyond loopback without tokens, and the routes
 * that matrix leaves out are covered too.
 */
const json = { 'content-type': 'application/json' };
const tokens = [
  { name: 'shop', token: 'Prd7tok-Q9xL2mV8nR4sK1wZ', role: 'producer' },
  { name: 'phone', token: 'Wrk3tok-H6yT0pB5cF8jD2gN', role: 'worker' },
  { name: 'ops', token: 'Adm9tok-E4uM7qW1zX6vC3rL', role: 'admin' },
] as const;
const [producer, worker, admin] = tokens;
const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** A config file in a fresh temporary directory; returns the directory and the file. */
async function configIn(cfg: Record<string, unknown>): Promise<{ dir: string; file: string }> {
  const tmp = await makeTmpDir();
  cleanups.push(tmp.cleanup);
  const file = join(tmp.dir, 'config.json');
  await writeFile(file, JSON.stringify(cfg));
  return { dir: tmp.dir, file };
}

async function start(args: string[]): Promise<ChildGateway> {
  const gw = await startChild(args);
  cleanups.push(async () => {
    if (gw.proc.exitCode === null && gw.proc.signalCode === null) gw.proc.kill('SIGKILL');
    await gw.exited;
  });
  return gw;
}

describe('secrets stay out of the logs', () => {
  // Distinct numbers and bodies per request, so that a hit names the path that leaked.
  const secrets = {
    sentTo: '+61491570156',
    sentBody: 'Zq body of the accepted send',
    batchTo: '+61491570157',
    batchBody: 'Zq body of the batch send',
    refusedTo: '+61491570158',
    refusedBody: 'Zq body of the refused send',
    invalidTo: '+61491570159',
    invalidBody: 'Zq body of the invalid send',
    receivedFrom: '+61491570110',
    receivedBody: 'Zq body of the received SMS',
  };
  const numbers = Object.entries(secrets).filter(([k]) => /To$|From$/.test(k)).map(([, v]) => v);
  const bodies = Object.entries(secrets).filter(([k]) => /Body$/.test(k)).map(([, v]) => v);
  const wrongToken = 'Wrong0tok-A1b2C3d4E5f6G7h8';

  it.each(['debug', 'trace'])('at --log-level %s: no token anywhere; no number or message body at info level or above', async (level) => {
    const { dir, file } = await configIn({ tokens, modems: [{ path: 'sim', simSendLatencyMs: 5 }] });
    const gw = await start(['serve', '--config', file, '--modem', 'sim', '--port', '0', '--data-dir', join(dir, 'data'), '--log-level', level]);
    const { url } = gw;
    const call = (method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Response> =>
      fetch(`${url}${path}`, { method, headers: { ...json, ...headers }, ...(body !== undefined && { body: JSON.stringify(body) }) });

    const sent = await call('POST', '/v1/queue/sms/send', bearer(producer.token), { to: secrets.sentTo, msg: secrets.sentBody });
    expect(sent.status).toBe(201);
    const id = ((await sent.json()) as { _id: string })._id;
    expect((await call('POST', '/v1/queue/sms/send', bearer(producer.token), { messages: [{ to: secrets.batchTo, msg: secrets.batchBody }] })).status).toBe(201);
    // Failed authentication in every form: wrong token, missing, wrong scheme, wrong role.
    expect((await call('POST', '/v1/queue/sms/send', bearer(wrongToken), { to: secrets.refusedTo, msg: secrets.refusedBody })).status).toBe(401);
    expect((await call('POST', '/v1/queue/sms/send', {}, { to: secrets.refusedTo, msg: secrets.refusedBody })).status).toBe(401);
    expect((await call('POST', '/v1/queue/sms/send', { authorization: `Basic ${producer.token}` }, { to: secrets.refusedTo, msg: secrets.refusedBody })).status).toBe(401);
    expect((await call('POST', '/v1/queue/sms/send', { authorization: `Bearer ${producer.token} ${admin.token}` }, { to: secrets.refusedTo, msg: secrets.refusedBody })).status).toBe(401);
    expect((await call('POST', '/v1/queue/sms/send', bearer(worker.token), { to: secrets.refusedTo, msg: secrets.refusedBody })).status).toBe(403);
    expect((await call('GET', `/v1/queue/sms/tasks?access_token=${admin.token}`, {})).status).toBe(401);
    expect((await call('GET', `/v1/queue/sms/tasks?access_token=${admin.token}`, bearer(producer.token))).status).toBe(400);
    expect((await call('GET', `/nowhere/${admin.token}`, bearer(admin.token))).status).toBe(404);
    // Valid token, invalid request.
    expect((await call('POST', '/v1/queue/sms/send', bearer(producer.token), { to: secrets.invalidTo, msg: secrets.invalidBody, colour: 'red' })).status).toBe(400);
    expect((await call('POST', '/v1/queue/sms/send', bearer(producer.token), { to: `${secrets.invalidTo}99999`, msg: secrets.invalidBody })).status).toBe(400);
    // The worker side: an SMS received by a remote worker, and a poll.
    expect((await call('POST', '/v1/queue/sms/receive', bearer(worker.token), { sms: { from: secrets.receivedFrom, msg: secrets.receivedBody } })).status).toBe(204);
    expect([200, 204]).toContain((await call('POST', '/v1/queue/sms', bearer(worker.token), {})).status);
    expect((await call('GET', '/v1/queue/sms/inbox', bearer(producer.token))).status).toBe(200);
    expect((await call('GET', '/metrics', bearer(admin.token))).status).toBe(200);
    // The accepted send goes through the built-in worker and the AT wire (traced at debug).
    await until(async () => ((await (await call('GET', `/v1/queue/sms/tasks/${id}`, bearer(producer.token))).json()) as { status: string }).status === 'done', 10_000, 'the send done');
    gw.proc.kill('SIGTERM');
    expect(await gw.exited).toBe(0);

    const out = gw.output();
    const lines = out.split('\n').filter(Boolean);
    expect(lines.some((l) => l.includes('"level":20'))).toBe(true); // the debug lines were there to be checked
    for (const t of [...tokens.map((x) => x.token), wrongToken]) expect(out, `token ${t} in the log`).not.toContain(t);
    // Info and above (and anything that is not a pino line) must not carry a number or a body.
    const loud = lines.filter((l) => {
      try {
        return ((JSON.parse(l) as { level?: number }).level ?? 60) >= 30;
      } catch {
        return true;
      }
    });
    const leaks: string[] = [];
    for (const l of loud) {
      for (const n of numbers) if (l.includes(n) || l.includes(n.slice(1))) leaks.push(`${n} in: ${l}`);
      for (const b of bodies) if (l.includes(b)) leaks.push(`${b} in: ${l}`);
    }
    expect(leaks).toEqual([]);
    // At debug the AT wire trace carries PDUs in hex (semi-octet numbers, packed text), which
    // the rule allows; say whether any plain text showed up there, for the record.
    const quiet = lines.filter((l) => !loud.includes(l));
    const plain = [...numbers, ...bodies].filter((s) => quiet.some((l) => l.includes(s)));
    console.log(`log check at ${level}: ${lines.length} lines (${loud.length} at info or above), plain numbers/bodies in debug lines: ${plain.length ? plain.join(', ') : 'none'}`);
  });

  it('a refused CLI send and a rejected config do not echo the token', async () => {
    const { dir, file } = await configIn({ tokens });
    const gw = await start(['serve', '--config', file, '--modem', 'none', '--port', '0', '--data-dir', join(dir, 'data')]);
    const refused = await runCli(['send', '--server', gw.url, '--token', wrongToken, '--to', secrets.sentTo, '--msg', secrets.sentBody]);
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toMatch(/token/i); // it says why...
    expect(refused.stdout + refused.stderr).not.toContain(wrongToken); // ...without repeating the secret
    gw.proc.kill('SIGTERM');
    await gw.exited;

    const shortToken = 'Sh0rt-tok-9x8y7';
    const bad = await configIn({ tokens: [{ name: 'short', token: shortToken, role: 'producer' }] });
    const r = await runCli(['serve', '--config', bad.file, '--modem', 'none', '--port', '0', '--data-dir', join(bad.dir, 'data')]);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('tokens[0].token');
    expect(r.stdout + r.stderr).not.toContain(shortToken);
  });
});

describe('rate limits hold under concurrency', () => {
  it('50 parallel sends with one producer token against max 10: exactly 10 accepted, the rest 429 with the JSON error; each token has its own budget', async () => {
    const { dir, file } = await configIn({ tokens, rateLimit: { max: 10, windowMs: 60_000 } });
    const gw = await start(['serve', '--config', file, '--modem', 'none', '--port', '0', '--data-dir', join(dir, 'data'), '--log-level', 'info']);
    const fire = (token: string, i: number): Promise<Response> =>
      fetch(`${gw.url}/v1/queue/sms/send`, { method: 'POST', headers: { ...json, ...bearer(token) }, body: JSON.stringify({ to: '+61404341143', msg: `burst ${token.slice(0, 3)} ${i}` }) });
    // Both tokens' bursts interleaved, all in flight at once.
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => fire(i % 2 ? admin.token : producer.token, i)));
    const byToken = { producer: [] as number[], admin: [] as number[] };
    const errors: unknown[] = [];
    for (const [i, r] of answers.entries()) {
      (i % 2 ? byToken.admin : byToken.producer).push(r.status);
      const body = (await r.json()) as Record<string, unknown>;
      if (r.status === 429) errors.push(body);
    }
    const count = (codes: number[], c: number): number => codes.filter((x) => x === c).length;
    expect([count(byToken.producer, 201), count(byToken.producer, 429)]).toEqual([10, 40]);
    expect([count(byToken.admin, 201), count(byToken.admin, 429)]).toEqual([10, 40]);
    for (const e of errors) expect(e).toMatchObject({ error: 'Too Many Requests', code: 'RATE_LIMITED', message: expect.stringContaining('rate limit') });
    // Exactly the accepted ones were stored.
    const list = (await (await fetch(`${gw.url}/v1/queue/sms/tasks?limit=1000`, { headers: bearer(admin.token) })).json()) as { tasks: unknown[] };
    expect(list.tasks).toHaveLength(20);
    gw.proc.kill('SIGTERM');
    await gw.exited;
  });
});

describe('no listening beyond loopback without tokens', () => {
  it.each(['0.0.0.0', '::', '192.0.2.10'])('serve --host %s without tokens exits 78 and says why', async (host) => {
    const tmp = await makeTmpDir();
    cleanups.push(tmp.cleanup);
    const r = await runCli(['serve', '--host', host, '--modem', 'none', '--port', '0', '--data-dir', join(tmp.dir, 'data')]);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain(`refusing to listen on ${host} without tokens`);
    expect(r.stdout).not.toContain('listening on');
  });

  it('a host from the config file is held to the same rule', async () => {
    const { dir, file } = await configIn({ host: '0.0.0.0' });
    const r = await runCli(['serve', '--config', file, '--modem', 'none', '--port', '0', '--data-dir', join(dir, 'data')]);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('refusing to listen on 0.0.0.0 without tokens');
  });

  it('with tokens it listens on 0.0.0.0 and still requires them', async () => {
    const { dir, file } = await configIn({ tokens });
    const gw = await start(['serve', '--config', file, '--host', '0.0.0.0', '--modem', 'none', '--port', '0', '--data-dir', join(dir, 'data'), '--log-level', 'info']);
    const port = new URL(gw.url).port;
    const local = `http://127.0.0.1:${port}`; // only ever connect over loopback
    expect((await fetch(`${local}/healthz`)).status).toBe(200);
    expect((await fetch(`${local}/v1/queue/sms/send`, { method: 'POST', headers: json, body: JSON.stringify({ to: '+61404341143', msg: 'x' }) })).status).toBe(401);
    expect((await fetch(`${local}/v1/queue/sms/send`, { method: 'POST', headers: { ...json, ...bearer(producer.token) }, body: JSON.stringify({ to: '+61404341143', msg: 'x' }) })).status).toBe(201);
    gw.proc.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
  });
});

describe('auth matrix: the routes test/http/producer-api.test.ts leaves out', () => {
  let h: HttpHarness;
  afterEach(async () => h?.close());
  const who = [{}, bearer(producer.token), bearer(worker.token), bearer(admin.token)];
  const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, headers: Record<string, string>, body?: unknown) =>
    h.app.inject({ method, url, headers: { ...json, ...headers }, ...(body !== undefined && { payload: JSON.stringify(body) }) });

  it.each([
    ['GET', '/v1/queue/sms/tasks/:id', [401, 200, 403, 200]],
    ['GET', '/v1/queue/sms/tasks', [401, 200, 403, 200]],
    ['DELETE', '/v1/queue/sms/tasks/:id', [401, 200, 403, 200]],
    ['GET', '/openapi.json', [200, 200, 200, 200]],
  ] as const)('%s %s: none / producer / worker / admin', async (method, route, expected) => {
    h = await startHttp({ tokens });
    const got: number[] = [];
    for (const headers of who) {
      const id = await h.gateway.send({ to: '+61404341143', msg: 'matrix' }); // a fresh queued task for each caller
      const r = await inject(method, route.replace(':id', id), headers);
      got.push(r.statusCode);
      if (r.statusCode === 401 || r.statusCode === 403) {
        expect(r.json()).toMatchObject({ code: r.statusCode === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN' });
        expect((await h.gateway.queue.get('sms', id)).status).toBe('queued'); // a refused DELETE changed nothing
      }
    }
    expect(got).toEqual(expected);
  });

  it('refuses before it looks: an unknown queue or task is 401 without a token, not 404', async () => {
    h = await startHttp({ tokens });
    for (const [method, url] of [
      ['GET', '/v1/queue/nosuch/tasks/x'],
      ['DELETE', '/v1/queue/nosuch/tasks/x'],
      ['GET', '/v1/queue/nosuch/tasks'],
      ['GET', '/v1/queue/sms/tasks/nosuchtask'],
      ['POST', '/v1/queue/nosuch'],
    ] as const) {
      expect((await inject(method, url, {}, method === 'POST' ? {} : undefined)).statusCode, `${method} ${url}`).toBe(401);
      expect((await inject(method, url, bearer('not-a-token-of-this-server'), method === 'POST' ? {} : undefined)).statusCode, `${method} ${url}`).toBe(401);
    }
  });

  it('a worker token cannot report a task leased to another worker token, whatever X-Katar-Worker it claims', async () => {
    const two = [...tokens, { name: 'phone2', token: 'Wrk4tok-J8kP3mQ6rS9tU2vW', role: 'worker' }];
    h = await startHttp({ tokens: two });
    const id = await h.gateway.send({ to: '+61404341143', msg: 'mine' });
    const got = await inject('POST', '/v1/queue/sms', { ...bearer(worker.token), 'x-katar-worker': 'pi' }, {});
    expect(got.json().tasks[0]._id).toBe(id);
    const steal = await inject('POST', '/v1/queue/sms', { ...bearer(two[3]!.token), 'x-katar-worker': 'pi' }, { max: 0, tasks: [{ _id: id, status: 'done' }] });
    expect(steal.statusCode).toBe(409);
    expect(steal.json()).toMatchObject({ code: 'LEASE_LOST' });
    expect((await h.gateway.queue.get('sms', id)).status).toBe('in progress');
  });
});
