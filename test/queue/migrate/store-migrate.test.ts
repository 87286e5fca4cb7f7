/**
 * `katar-sms store migrate`: a data directory filled through the real file queue is
 * copied into a fresh PostgreSQL database, and the real PostgreSQL queue then answers as
 * the file queue did (tasks by id, listings, counts, inbox dedupe, idempotency keys,
 * event ids, status reports still pending), with the stopped gateway's own leases ended
 * as its restart would end them.
 */
import { appendFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { store } from '../../../src/cli/store.js';
import { exitCodeFor, UsageError } from '../../../src/cli/args.js';
import type { CliIo } from '../../../src/cli/io.js';
import { parseConfig } from '../../../src/config.js';
import type { FileQueue } from '../../../src/queue/file-queue.js';
import type { GatewayEvent } from '../../../src/queue/gateway-event.js';
import { openFileQueue } from '../../../src/queue/open-file-queue.js';
import { DbClock } from '../../../src/queue/postgres/db-clock.js';
import { Database } from '../../../src/queue/postgres/pg-pool.js';
import { PgQueue } from '../../../src/queue/postgres/pg-queue.js';
import { lockDataDir } from '../../../src/queue/store/data-dir-lock.js';
import { FileStore } from '../../../src/queue/store/file-store.js';
import type { InboxEntry, Task } from '../../../src/queue/task.js';
import { freshDatabase } from '../../helpers/postgres.js';
import { makeTmpDir } from '../../helpers/tmp-dir.js';

const provided = inject('postgres');
const RAW_CONFIG = { queues: { sms: { leaseMs: 60_000, maxAttempts: 3, retry: { initialDelayMs: 600_000 } } } };
const queues = parseConfig(RAW_CONFIG).queues;
const MODEM = 'modem0:001010000000001';
const TO = '+61404341143';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function capture(env: Record<string, string | undefined> = {}): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', env, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

async function tmp(): Promise<string> {
  const t = await makeTmpDir('katar-migrate-');
  cleanups.push(t.cleanup);
  return t.dir;
}

async function database(): Promise<string> {
  const d = await freshDatabase(provided.url!);
  cleanups.push(() => d.drop());
  return d.url;
}

const sms = (msg: string, extra: Record<string, unknown> = {}) => ({ data: { to: TO, msg }, parts: 1, ...extra });

/** What the data directory holds, as the file queue answered before it stopped. */
interface Filled {
  dir: string;
  ids: Record<'keyed' | 'paused' | 'retried' | 'delivered' | 'cancelled' | 'expired' | 'ownLease' | 'ownSubmitting' | 'remoteLease', string>;
  tasks: Map<string, Task>;
  listing: string[];
  inbox: InboxEntry[];
  events: GatewayEvent[];
}

/** A data directory with tasks in every status, retries, keys, received SMS, pending reports, events and a webhook cursor. */
async function fillDataDir(): Promise<Filled> {
  const dir = await tmp();
  await writeFile(join(dir, 'gateway.json'), JSON.stringify({ version: 1, id: 'gw-1' }));
  const q: FileQueue = await openFileQueue({ dataDir: dir, queues });
  const one = async (item: ReturnType<typeof sms>): Promise<Task> => (await q.add('sms', [item]))[0]!.task;
  const leaseOne = async (worker: string): Promise<Task> => (await q.lease('sms', worker, 1))[0]!;
  try {
    const retried = await one(sms('retried'));
    await leaseOne('pi-remote');
    await q.report('sms', 'pi-remote', [{ _id: retried._id, status: 'failed', error: 'modem busy' }]);
    const delivered = await one({ ...sms('two parts'), parts: 2 });
    // The retried task waits out its backoff, so this lease takes the new one.
    await leaseOne('builtin:gw-1:modem0');
    await q.deliveries.sent('sms', { taskId: delivered._id, index: 0, modem: MODEM, reference: 12, recipient: TO });
    await q.deliveries.sent('sms', { taskId: delivered._id, index: 1, modem: MODEM, reference: 13, recipient: TO });
    await q.report('sms', 'builtin:gw-1:modem0', [{ _id: delivered._id, status: 'done', references: [12, 13], awaitingReport: true }]);
    // The first part's report rewrites the finished task into history: it is there twice, the last counts.
    expect(await q.deliveries.report('sms', { modem: MODEM, reference: 12, recipient: TO, status: 0 })).toBe('matched');
    const cancelled = await one(sms('cancelled'));
    await q.cancel('sms', cancelled._id);
    const expired = await one(sms('expired', { validUntil: new Date(Date.now() + 30) }));
    await new Promise((r) => setTimeout(r, 60));
    await q.sweep();
    const ownLease = await one(sms('own lease'));
    await leaseOne('builtin:gw-1:modem0');
    const ownSubmitting = await one(sms('own lease, submitting'));
    await leaseOne('builtin:gw-1:modem1');
    await q.markSubmitting('sms', 'builtin:gw-1:modem1', ownSubmitting._id);
    const remoteLease = await one(sms('remote lease'));
    await leaseOne('pi-remote');
    const paused = await one(sms('paused', { paused: true }));
    const keyed = await one(sms('keyed', { idempotencyKey: 'order-42' }));
    await q.receive('sms', { from: '+61400000001', msg: 'hi', source: `modem:modem0`, dedupKey: 'modem0:sms:17' });
    await q.receive('sms', { from: '+61400000002', msg: 'from a remote worker', source: 'http' });
    await q.subscriptions.saveCursor('hook1', 3);
    const events = (await q.events.read(0, { limit: 1000 })).events;
    await q.subscriptions.addDeadLetter('hook1', { event: events[1]!, attempts: 5, reason: 'HTTP 500', at: new Date().toISOString() });
    const ids = { keyed: keyed._id, paused: paused._id, retried: retried._id, delivered: delivered._id, cancelled: cancelled._id, expired: expired._id, ownLease: ownLease._id, ownSubmitting: ownSubmitting._id, remoteLease: remoteLease._id };
    const tasks = new Map<string, Task>();
    for (const id of Object.values(ids)) tasks.set(id, await q.get('sms', id));
    expect(new Set([...tasks.values()].map((t) => t.status))).toEqual(new Set(['queued', 'paused', 'in progress', 'done', 'failed', 'cancelled']));
    const listing = (await q.listTasks('sms', { limit: 100 })).items.map((t) => t._id);
    const inbox = (await q.listInbox('sms', { limit: 100 })).items;
    return { dir, ids, tasks, listing, inbox, events };
  } finally {
    await q.close();
  }
}

async function openTarget(url: string): Promise<PgQueue> {
  const db = new Database({ url, size: 2 });
  const clock = await DbClock.open(db, 0);
  const q = await PgQueue.open({ db, queues, clock, sweepIntervalMs: 0, pollMs: 0, owned: [async () => clock.close(), () => db.close()] });
  cleanups.push(() => q.close());
  return q;
}

async function writeConfig(dir: string): Promise<string> {
  const path = join(dir, 'config.json');
  await writeFile(path, JSON.stringify(RAW_CONFIG));
  return path;
}

/** Every file of the directory with its size and content, to tell that nothing changed. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.set(p.slice(dir.length), (await readFile(p)).toString('base64'));
    }
  };
  await walk(dir);
  return out;
}

describe.skipIf(!provided.url)('katar-sms store migrate', () => {
  it('copies a data directory into PostgreSQL, where the queue answers as the file queue did', async () => {
    const f = await fillDataDir();
    const url = await database();
    const cfg = await writeConfig(await tmp());
    const before = await snapshot(f.dir);
    const io = capture();
    expect(await store(['migrate', '--from', f.dir, '--to', url, '--config', cfg], io)).toBe(0);
    expect(io.stderr).toBe('');
    // The summary names every kind, data directory beside database.
    expect(io.stdout).toMatch(/^ {2}done tasks +1 +1$/m);
    expect(io.stdout).toMatch(/^ {2}failed tasks +2 +2$/m);
    expect(io.stdout).toMatch(/^ {2}in progress tasks +1 +1$/m);
    expect(io.stdout).toMatch(/^ {2}received SMS +2 +2$/m);
    expect(io.stdout).toMatch(/1 task\(s\) back in the queue, 1 failed as "outcome unknown"/);
    expect(io.stdout).toMatch(/set "store" in the config/);
    expect(await snapshot(f.dir)).toEqual(before);

    const pg = await openTarget(url);
    for (const [name, id] of Object.entries(f.ids)) {
      const t = await pg.get('sms', id);
      if (name === 'ownLease') {
        expect(t).toMatchObject({ status: 'queued', error: 'gateway stopped before sending' });
        expect(t.lease).toBeUndefined();
        expect(t.attempts.map((a) => a.outcome)).toEqual(['expired']);
      } else if (name === 'ownSubmitting') {
        expect(t).toMatchObject({ status: 'failed', error: 'outcome unknown: gateway stopped while the modem was sending' });
        expect(t.attempts.map((a) => a.outcome)).toEqual(['unknown']);
      } else expect(t).toEqual(f.tasks.get(id));
    }
    expect((await pg.listTasks('sms', { limit: 100 })).items.map((t) => t._id)).toEqual(f.listing);
    expect((await pg.listTasks('sms', { limit: 100, status: 'failed' })).items.map((t) => t._id)).toEqual([f.ids.expired, f.ids.ownSubmitting]);
    expect(pg.counts('sms')).toEqual({ queued: 3, paused: 1, 'in progress': 1, done: 1, failed: 2, cancelled: 1 });
    expect((await pg.listInbox('sms', { limit: 100 })).items).toEqual(f.inbox);

    // The event log: ids kept, the lease that ended as "outcome unknown" told, new ids after them.
    const newest = f.events[f.events.length - 1]!.id;
    const copied = (await pg.events.read(0, { limit: 1000 })).events;
    expect(copied.slice(0, f.events.length)).toEqual(f.events);
    expect(copied.slice(f.events.length).map((e) => [e.id, e.type, e.data._id])).toEqual([[newest + 1, 'sms.failed', f.ids.ownSubmitting]]);

    // Ready now: the keyed task and the one whose lease ended; not the retried one (backoff) nor the paused one.
    expect((await pg.lease('sms', 'pi-other', 10)).map((t) => t._id).sort()).toEqual([f.ids.keyed, f.ids.ownLease].sort());
    // The remote worker's lease was kept: its report is taken.
    await pg.report('sms', 'pi-remote', [{ _id: f.ids.remoteLease, status: 'done' }]);
    expect((await pg.get('sms', f.ids.remoteLease)).status).toBe('done');

    // The same SMS read again is deduplicated; an idempotent re-send returns the first task.
    const again = await pg.receive('sms', { from: '+61400000001', msg: 'hi', source: 'modem:modem0', dedupKey: 'modem0:sms:17' });
    expect(again).toEqual({ entry: f.inbox[0], duplicate: true });
    const [resent] = await pg.add('sms', [sms('keyed', { idempotencyKey: 'order-42' })]);
    expect(resent).toMatchObject({ created: false, task: { _id: f.ids.keyed } });

    const [fresh] = await pg.add('sms', [sms('after the move')]);
    expect(fresh!.task.seq).toBeGreaterThan(Math.max(...[...f.tasks.values()].map((t) => t.seq), ...f.inbox.map((e) => e.seq)));
    const after = (await pg.events.read(newest + 1, { limit: 100 })).events.filter((e) => e.type === 'sms.queued');
    expect(after.map((e) => e.data._id)).toEqual([fresh!.task._id]);
    expect(after[0]!.id).toBeGreaterThan(newest + 1);

    // The second part's report is still matched, after the move, to the task the first part's report updated.
    expect(await pg.deliveries.report('sms', { modem: MODEM, reference: 13, recipient: TO, status: 0 })).toBe('matched');
    expect((await pg.get('sms', f.ids.delivered)).delivery).toMatchObject({ status: 'delivered', parts: [{ status: 'delivered' }, { status: 'delivered' }] });

    const hook = await pg.subscriptions.load('hook1');
    expect(hook.cursor).toBe(3);
    expect(hook.deadLetters.map((l) => [l.event.id, l.reason])).toEqual([[f.events[1]!.id, 'HTTP 500']]);
  });

  it('refuses a database that already holds a queue, naming what it found, and writes nothing', async () => {
    const f = await fillDataDir();
    const url = await database();
    const cfg = await writeConfig(await tmp());
    expect(await store(['migrate', '--from', f.dir, '--to', url, '--config', cfg], capture())).toBe(0);
    const io = capture();
    expect(await store(['migrate', '--from', f.dir, '--to', url, '--config', cfg], io)).toBe(1);
    expect(io.stderr).toMatch(new RegExp(`^katar-sms store migrate: the database already holds 9 tasks, 2 received SMS, ${f.events.length + 1} events, 1 subscription cursor, 1 dead letter;`));
    expect(io.stdout).toBe('');
    const pg = await openTarget(url);
    expect(pg.counts('sms')).toEqual({ queued: 3, paused: 1, 'in progress': 1, done: 1, failed: 2, cancelled: 1 });
  });

  it('rolls the whole copy back when a count differs after it', async () => {
    const f = await fillDataDir();
    // A dead letter file edited by hand: two letters of one event, which the database keeps as one.
    const path = join(f.dir, 'webhook-dead-hook1.json');
    const doc = JSON.parse(await readFile(path, 'utf8')) as { letters: unknown[] };
    await writeFile(path, JSON.stringify({ ...doc, letters: [doc.letters[0], doc.letters[0]] }));
    const url = await database();
    const io = capture();
    expect(await store(['migrate', '--from', f.dir, '--to', url, '--config', await writeConfig(await tmp())], io)).toBe(1);
    expect(io.stderr).toBe("katar-sms store migrate: the database's counts differ from the data directory's after the copy (data directory vs database: deadLetters: 2 vs 1); rolled back, nothing was written\n");
    const pg = await openTarget(url);
    expect(pg.counts('sms')).toEqual({ queued: 0, paused: 0, 'in progress': 0, done: 0, failed: 0, cancelled: 0 });
    expect(pg.events.bounds().newest).toBe(0);
    expect((await pg.subscriptions.load('hook1')).cursor).toBeUndefined();
  });

  it('copies a history longer than one statement takes, every task in its place', async () => {
    const dir = await tmp();
    const fs = await FileStore.open(dir);
    const n = 4_100;
    const at = (i: number): string => new Date(Date.now() - 3_600_000 + i).toISOString();
    for (let i = 1; i <= n; i++) {
      fs.finish({ _id: `seed${String(i).padStart(6, '0')}`, queue: 'sms', seq: i, data: { to: TO, msg: `number ${i}` }, status: i % 10 === 0 ? 'failed' : 'done', priority: 0, parts: 1, createdAt: at(i), updatedAt: at(i), finishedAt: at(i), attempts: [{ n: 1, worker: 'builtin:modem0', startedAt: at(i), endedAt: at(i), outcome: i % 10 === 0 ? 'failed' : 'done' }] });
      if (i % 1000 === 0) await fs.commit();
    }
    await fs.commit();
    await fs.close();
    const url = await database();
    const io = capture();
    expect(await store(['migrate', '--from', dir, '--to', url], io)).toBe(0);
    expect(io.stdout).toMatch(/^ {2}done tasks +3690 +3690$/m);
    const pg = await openTarget(url);
    expect(pg.counts('sms')).toMatchObject({ done: 3690, failed: 410 });
    expect((await pg.get('sms', 'seed002001')).data.msg).toBe('number 2001');
    const last = await pg.listTasks('sms', { limit: 3, order: 'desc' });
    expect(last.items.map((t) => t.seq)).toEqual([n, n - 1, n - 2]);
    const [next] = await pg.add('sms', [sms('after')]);
    expect(next!.task.seq).toBe(n + 1);
  });

  it('takes the url from an environment variable, and reads a torn tail as the start would, without cutting it', async () => {
    const f = await fillDataDir();
    // A record being appended when the power went: never acknowledged, left out.
    await appendFile(join(f.dir, 'inbox.jsonl'), '3 0badc0de {"_id":"tor');
    const size = (await stat(join(f.dir, 'inbox.jsonl'))).size;
    const url = await database();
    const io = capture({ KATAR_TEST_DB: url });
    expect(await store(['migrate', '--from', f.dir, '--to-env', 'KATAR_TEST_DB'], io)).toBe(0);
    expect(io.stdout).toMatch(/^ {2}received SMS +2 +2$/m);
    expect(io.stdout).toMatch(/"urlEnv": "KATAR_TEST_DB"/);
    expect((await stat(join(f.dir, 'inbox.jsonl'))).size).toBe(size);
  });

  it('refuses bad input with one clear line and its exit code, writing nothing', async () => {
    const url = await database();
    const empty = await tmp();
    const usage = async (argv: string[], env: Record<string, string> = {}): Promise<string> => {
      const err = await store(['migrate', ...argv], capture(env)).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect(exitCodeFor(err)).toBe(2);
      return (err as Error).message;
    };
    expect(await usage(['--from', join(empty, 'nope'), '--to', url])).toBe(`--from ${join(empty, 'nope')} is not a directory`);
    expect(await usage(['--from', empty, '--to', url])).toMatch(/^--from .* holds no queue of the file store \(no manifest\.json/);
    expect(await readdir(empty)).toEqual([]);
    const f = await fillDataDir();
    expect(await usage(['--from', f.dir, '--to', 'mysql://user:secret@db/x'])).toBe('--to must be a postgres:// url (postgres://user:password@host:5432/database)');
    expect(await usage(['--from', f.dir, '--to-env', 'KATAR_UNSET_DB'])).toBe('--to-env KATAR_UNSET_DB: the variable is not set in the environment');
    expect(await usage(['--from', f.dir])).toBe('--to URL or --to-env VAR is required');
    expect(await usage(['--from', f.dir, '--to', url, '--to-env', 'X'])).toBe('--to and --to-env exclude each other');

    // A database nobody answers at.
    const down = capture();
    expect(await store(['migrate', '--from', f.dir, '--to', 'postgres://katar:secret@127.0.0.1:1/katar'], down)).toBe(1);
    expect(down.stderr).toMatch(/^katar-sms store migrate: postgres:\/\/katar:\*\*\*@127\.0\.0\.1:1\/katar: the queue database cannot be reached: .*\n$/);

    // A gateway still running on the directory.
    const held = await lockDataDir(f.dir);
    const locked = capture();
    try {
      expect(await store(['migrate', '--from', f.dir, '--to', url], locked)).toBe(78);
    } finally {
      await held.release();
    }
    expect(locked.stderr).toMatch(/is in use by another katar-sms \(pid \d+\): stop the gateway before migrating its queue\n$/);

    // Damage: the gateway would refuse to start, and so does the migration (after check and recover it goes on).
    await writeFile(join(f.dir, 'manifest.json'), '{"version": 2, "checkp');
    const corrupt = await store(['migrate', '--from', f.dir, '--to', url], capture()).then(() => undefined, (e: unknown) => e);
    expect(exitCodeFor(corrupt)).toBe(78);
    expect((corrupt as Error).message).toMatch(/manifest\.json.*store check/);

    // Nothing reached the database.
    const pg = await openTarget(url);
    expect(pg.counts('sms')).toEqual({ queued: 0, paused: 0, 'in progress': 0, done: 0, failed: 0, cancelled: 0 });
    expect(pg.events.bounds().newest).toBe(0);
  });
});
