import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { startChild, type ChildGateway } from '../helpers/child-gateway.js';
import { until } from '../helpers/modem-harness.js';
import { freePort } from '../helpers/mosquitto.js';
import { emptyDatabase, postgresBinDir, startPrivateCluster, type PrivateCluster } from '../helpers/postgres.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/**
 * PostgreSQL goes away under a fleet in full traffic, and comes back. Two gateway
 * processes (`serve` from dist/) share a database on a cluster this file starts for
 * itself (the run's shared cluster stays up for the other files), each on its default
 * built-in simulated modem, driven and read through the simulator's control API. Sends
 * are posted without pause to both (retried with their idempotency key until
 * acknowledged). The cluster is stopped (fast: sessions ended, then a pause), and later
 * crashed (immediate) and started again at once. While it is down: sends get 503 with
 * Retry-After, never an acknowledgement; the modems send nothing; SMS arriving at the
 * modems stay in their storage. Once it is back, everything resumes by itself, and at
 * the end nothing acknowledged is lost, nothing is sent twice, and every received SMS is
 * in the inbox once.
 */
const json = { 'content-type': 'application/json' };
const PRODUCERS = 4;
const OUTAGES: Array<{ mode: 'fast' | 'immediate'; holdMs: number }> = [
  { mode: 'fast', holdMs: 4000 },
  { mode: 'immediate', holdMs: 0 },
];

interface Box {
  name: 'a' | 'b';
  gw: ChildGateway;
  control: string;
}

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  let r: Response;
  try {
    r = await fetch(url);
  } catch (err) {
    throw new Error(`GET ${url}: ${String((err as { cause?: unknown }).cause ?? err)}`);
  }
  return { status: r.status, body: (await r.json()) as T };
}

const sentTexts = async (b: Box): Promise<string[]> => (await getJson<{ messages: Array<{ text: string }> }>(`${b.control}/sent`)).body.messages.map((m) => m.text);
/** Received SMS in the modem's message storage (SM and ME; SR holds status reports). */
const storedOnModem = async (b: Box): Promise<number> => {
  const s = (await getJson<{ storage: Record<string, { used: number }> }>(`${b.control}/state`)).body.storage;
  return (s.SM?.used ?? 0) + (s.ME?.used ?? 0);
};
const storeWritable = async (b: Box): Promise<boolean> => (await getJson<{ store: { writable: boolean } }>(`${b.gw.url}/healthz`)).body.store.writable;

async function inboxTexts(url: string): Promise<string[]> {
  const out: string[] = [];
  let since = '';
  for (;;) {
    const page = (await getJson<{ messages: Array<{ msg: string }>; next?: string }>(`${url}/v1/queue/sms/inbox?limit=1000${since ? `&since=${since}` : ''}`)).body;
    out.push(...page.messages.map((m) => m.msg));
    if (page.messages.length === 0 || !page.next) return out;
    since = page.next;
  }
}

describe.skipIf(!postgresBinDir())('a fleet of two gateway processes while PostgreSQL restarts', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('refuses sends with 503 while the database is down, pauses the modems, keeps received SMS on them, and resumes by itself', async () => {
    const started = await startPrivateCluster();
    if ('reason' in started) throw new Error(started.reason);
    const cluster: PrivateCluster = started;
    cleanups.push(() => cluster.destroy());
    const boxes: Box[] = [];
    onTestFailed(async () => {
      for (const b of boxes) console.log(`box ${b.name}, the end of its log:\n${b.gw.output().slice(-6000)}`);
      console.log(`PostgreSQL's log, the end:\n${(await cluster.log()).slice(-3000)}`);
    });
    const db = await emptyDatabase(cluster.url).catch(async (err: unknown) => {
      throw new Error(`creating the database on the private cluster: ${(err as Error).message}\n${await cluster.log()}`);
    });
    const tmp = await makeTmpDir();
    cleanups.push(tmp.cleanup);

    const startBox = async (name: 'a' | 'b'): Promise<Box> => {
      const config = join(tmp.dir, `config-${name}.json`);
      await writeFile(config, JSON.stringify({ gatewayId: `box-${name}`, store: { kind: 'postgres', url: db.url, poolSize: 4 }, rateLimit: { max: 1_000_000, windowMs: 1000 } }));
      const controlPort = await freePort();
      const gw = await startChild(['serve', '--config', config, '--port', '0', '--data-dir', join(tmp.dir, `data-${name}`), '--sim-control-port', String(controlPort), '--log-level', 'info']);
      cleanups.push(async () => {
        gw.proc.kill('SIGKILL');
        await gw.exited;
      });
      return { name, gw, control: `http://127.0.0.1:${controlPort}` };
    };
    // One after the other: the first migrates the empty database.
    boxes.push(await startBox('a'), await startBox('b'));
    const ready = async (b: Box): Promise<boolean> => (await getJson<{ modems: Array<{ state: string }> }>(`${b.gw.url}/healthz`)).body.modems[0]?.state === 'ready';
    await until(async () => (await ready(boxes[0]!)) && (await ready(boxes[1]!)), 20_000, 'both modems ready');

    const acked = new Map<string, string>(); // idempotency key (= text) -> task id
    const pending: string[] = []; // refused keys, posted again
    const problems: string[] = [];
    const answers = new Map<string, number>();
    let down = false;
    let refusedWhileDown = 0;
    let next = 0;
    let stop = false;
    const produce = async (n: number): Promise<void> => {
      for (let i = n; !stop || pending.length > 0; i++) {
        const key = pending.shift() ?? (stop ? undefined : `send-${next++}`);
        if (key === undefined) return;
        const box = boxes[i % 2]!;
        try {
          const r = await fetch(`${box.gw.url}/v1/queue/sms/send`, { method: 'POST', headers: json, body: JSON.stringify({ to: '+61404341143', msg: key, idempotencyKey: key }) });
          answers.set(String(r.status), (answers.get(String(r.status)) ?? 0) + 1);
          if (r.status === 201 || r.status === 200) {
            acked.set(key, ((await r.json()) as { _id: string })._id);
            await new Promise((res) => setTimeout(res, 40 + Math.random() * 40));
            continue;
          }
          const body = await r.text();
          if (r.status !== 503 || !r.headers.get('retry-after')) problems.push(`${key}: answered ${r.status} (retry-after ${r.headers.get('retry-after')}): ${body.slice(0, 200)}`);
          else if (!/STORE_UNAVAILABLE/.test(body)) problems.push(`${key}: 503 but not STORE_UNAVAILABLE: ${body.slice(0, 200)}`);
          if (down) refusedWhileDown++;
        } catch (err) {
          problems.push(`${key}: no answer from box ${box.name}: ${(err as Error).message}`);
        }
        pending.push(key);
        await new Promise((res) => setTimeout(res, 100));
      }
    };
    const producers = Array.from({ length: PRODUCERS }, (_, n) => produce(n));

    const injected: string[] = [];
    for (const [o, outage] of OUTAGES.entries()) {
      const sentBefore = await Promise.all(boxes.map(async (b) => (await sentTexts(b)).length));
      await until(async () => (await Promise.all(boxes.map(async (b, i) => (await sentTexts(b)).length >= sentBefore[i]! + 5))).every(Boolean), 30_000, `both modems sending before outage ${o}`);
      refusedWhileDown = 0;
      down = true;
      await cluster.stop(outage.mode);
      // SMS arriving meanwhile: read from the modem, refused by the store, left on the modem.
      for (const b of boxes) {
        for (let k = 0; k < 3; k++) {
          const text = `incoming-${o}-${b.name}-${k}`;
          injected.push(text);
          const r = await fetch(`${b.control}/incoming`, { method: 'POST', body: JSON.stringify({ from: '+4915112345678', msg: text }) });
          expect(r.status).toBe(202);
        }
      }
      if (outage.holdMs > 0) {
        await until(async () => !(await storeWritable(boxes[0]!)) && !(await storeWritable(boxes[1]!)), 10_000, 'both boxes see the store down');
        const readyz = await fetch(`${boxes[0]!.gw.url}/readyz`);
        expect(readyz.status).toBe(503);
        expect(readyz.headers.get('retry-after')).toBeTruthy();
        // The send on the wire when the database went may finish; after that the modems wait.
        await new Promise((r) => setTimeout(r, 1500));
        const sentEarly = await Promise.all(boxes.map(async (b) => (await sentTexts(b)).length));
        await new Promise((r) => setTimeout(r, outage.holdMs - 1500));
        const sentLate = await Promise.all(boxes.map(async (b) => (await sentTexts(b)).length));
        expect(sentLate, 'nothing sent while the database is down').toEqual(sentEarly);
        for (const b of boxes) expect(await storedOnModem(b), `SMS kept on box ${b.name}'s modem`).toBe(3);
        expect(refusedWhileDown, 'sends refused while the database was down').toBeGreaterThan(0);
      }
      await cluster.start();
      down = false;
      const sentAfterOutage = await Promise.all(boxes.map(async (b) => (await sentTexts(b)).length));
      await until(async () => (await storeWritable(boxes[0]!)) && (await storeWritable(boxes[1]!)), 20_000, `both boxes write again after outage ${o}`);
      await until(async () => (await Promise.all(boxes.map(async (b, i) => (await sentTexts(b)).length > sentAfterOutage[i]!))).every(Boolean), 30_000, `both modems send again after outage ${o}`);
      await until(async () => (await Promise.all(boxes.map(storedOnModem))).every((n) => n === 0), 40_000, `the SMS kept on the modems stored after outage ${o}`);
    }

    stop = true;
    await Promise.all(producers);
    const counts = async (b: Box): Promise<Record<string, number>> => (await getJson<{ queues: { sms: Record<string, number> } }>(`${b.gw.url}/healthz`)).body.queues.sms;
    await until(async () => (await Promise.all(boxes.map(counts))).every((c) => c.queued === 0 && c['in progress'] === 0), 60_000, 'queue drained');

    // The judge: the simulators' record and the database as read over HTTP.
    const sent = new Map<string, number>();
    for (const b of boxes) for (const t of await sentTexts(b)) sent.set(t, (sent.get(t) ?? 0) + 1);
    const tasks: Array<{ _id: string; status: string; error?: string; data: { msg: string } }> = [];
    let cursor: string | undefined;
    do {
      const page = (await getJson<{ tasks: typeof tasks; next?: string }>(`${boxes[1]!.gw.url}/v1/queue/sms/tasks?limit=1000${cursor ? `&cursor=${cursor}` : ''}`)).body;
      tasks.push(...page.tasks);
      cursor = page.next;
    } while (cursor);
    const byKey = new Map(tasks.map((t) => [t.data.msg, t]));
    for (const [key, id] of acked) {
      const t = byKey.get(key);
      if (t?._id !== id) problems.push(`${key}: acknowledged as ${id}, stored as ${t?._id ?? 'nothing'}`);
      else if (t.status !== 'done') problems.push(`${key}: ${t.status}${t.error ? ` (${t.error})` : ''}`);
      else if (sent.get(key) !== 1) problems.push(`${key}: done, sent ${sent.get(key) ?? 0} times`);
    }
    // A refused send may have been committed (the connection died on COMMIT), but its key was posted again until acknowledged.
    for (const t of tasks) if (!acked.has(t.data.msg)) problems.push(`${t.data.msg}: stored but never acknowledged`);
    for (const [text, n] of sent) if (!acked.has(text) || n > 1) problems.push(`${text}: sent ${n} times${acked.has(text) ? '' : ', never acknowledged'}`);
    const inbox = await inboxTexts(boxes[0]!.gw.url);
    for (const t of injected) if (inbox.filter((x) => x === t).length !== 1) problems.push(`${t}: in the inbox ${inbox.filter((x) => x === t).length} times`);
    // The log says what a client is answered: 503, never the full disk's 507.
    for (const b of boxes) {
      const out = b.gw.output();
      if (!/the store cannot write: new sends are refused \(503 STORE_UNAVAILABLE\)/.test(out)) problems.push(`box ${b.name}: no log line of the store going down with 503`);
      if (/\(507\)/.test(out)) problems.push(`box ${b.name}: the log speaks of 507`);
    }
    console.log(
      `fleet PostgreSQL restarts (${OUTAGES.map((x) => `${x.mode}${x.holdMs ? ` ${x.holdMs} ms` : ''}`).join(', ')}): ${acked.size} sends acknowledged, answers ${[...answers].map(([s, n]) => `${s} x${n}`).join(', ')}; ` +
        `sent by A ${(await sentTexts(boxes[0]!)).length}, by B ${(await sentTexts(boxes[1]!)).length}; ${injected.length} received during the outages`,
    );
    expect(problems.slice(0, 30)).toEqual([]);
    expect(answers.get('503') ?? 0).toBeGreaterThan(0);
    for (const b of boxes) {
      b.gw.proc.kill('SIGTERM');
      await b.gw.exited;
    }
  }, 180_000);
});
