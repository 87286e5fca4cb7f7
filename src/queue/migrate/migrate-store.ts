import type { Clock } from '../../clock.js';
import type { GatewayEvent } from '../gateway-event.js';
import { advanceCounters, importEvents, importInbox, importSubscriptions, importTasks, lockForImport, queueContents, type ImportedTask, type QueueContents } from '../postgres/pg-import.js';
import { isUnavailable, type Database, type Sql } from '../postgres/pg-pool.js';
import type { QueueSettings } from '../settings.js';
import { TASK_STATUSES, type Task } from '../task.js';
import type { DataDirSource } from './data-dir-source.js';
import { applyRestartRules, type RestartTally } from './restart-rules.js';

/** Rows a statement writes at most: a few megabytes of JSON, a few thousand rows a round trip. */
const BATCH = 2_000;

/** The copy did not happen (a target already in use, counts that differ, a key the database refuses): nothing was written. */
export class MigrationRefused extends Error {}

/** What a migration did. */
export interface MigrateReport {
  /** What the data directory holds, after the restart rules (what the database must hold). */
  expected: QueueContents;
  /** What the database holds after the copy (counted in the transaction, before COMMIT). */
  copied: QueueContents;
  restart: RestartTally;
  /** Events the restart rules appended (a lease that ended as "outcome unknown"). */
  eventsAdded: number;
  ms: number;
}

/** Options of `migrateStore`. */
export interface MigrateOptions {
  source: DataDirSource;
  /** A migrated database (migrations.ts). */
  db: Database;
  /** The target's clock (a DbClock): wall time, and the tick line leases and backoffs are placed on. */
  clock: Clock;
  settings: ReadonlyMap<string, QueueSettings>;
  /** The stopped gateway's own built-in workers: their leases end with it. */
  isLocalWorker: (worker: string) => boolean;
}

/** "12 tasks, 3 received SMS, 40 events" of what `c` holds; undefined when it holds nothing. */
export function describeContents(c: QueueContents): string | undefined {
  const tasks = TASK_STATUSES.reduce((n, s) => n + c.tasks[s], 0);
  const n = (count: number, what: string): string | false => count > 0 && `${count} ${what}${count === 1 ? '' : 's'}`;
  const parts = [
    n(tasks, 'task'),
    c.inbox > 0 && `${c.inbox} received SMS`,
    n(c.events, 'event'),
    !c.events && c.lastEventId > 0 && `an event counter at ${c.lastEventId}`,
    n(c.subscriptions, 'subscription cursor'),
    n(c.deadLetters, 'dead letter'),
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : undefined;
}

/** The rows where `a` and `b` differ, as `what: a vs b`. */
export function differences(a: QueueContents, b: QueueContents): string[] {
  const out: string[] = [];
  for (const s of TASK_STATUSES) if (a.tasks[s] !== b.tasks[s]) out.push(`${s} tasks: ${a.tasks[s]} vs ${b.tasks[s]}`);
  for (const k of ['idempotencyKeys', 'sentParts', 'inbox', 'dedupKeys', 'events', 'lastEventId', 'subscriptions', 'deadLetters', 'droppedLetters'] as const) {
    if (a[k] !== b[k]) out.push(`${k}: ${a[k]} vs ${b[k]}`);
  }
  return out;
}

/** What the data directory holds, from its indexes (not from the records copied): the check the copy is held to. */
function expectedContents(source: DataDirSource, live: Task[], finishedNow: Task[], eventsAdded: number): QueueContents {
  const { state } = source;
  const tasks = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as QueueContents['tasks'];
  let idempotencyKeys = 0;
  let sentParts = 0;
  for (const t of [...live, ...finishedNow]) {
    tasks[t.status]++;
    if (t.idempotencyKey !== undefined) idempotencyKeys++;
    if (t.delivery?.parts?.some(Boolean)) sentParts++;
  }
  for (const m of state.history.values()) {
    tasks[m.status]++;
    if (m.idempotencyKey !== undefined) idempotencyKeys++;
    if (m.sentParts) sentParts++;
  }
  const letters = [...source.deadLetters.values()];
  return {
    tasks,
    idempotencyKeys,
    sentParts,
    inbox: state.inbox.length,
    dedupKeys: state.inbox.filter((m) => m.dedupKey !== undefined).length,
    events: state.events.count + eventsAdded,
    lastEventId: state.events.newest + eventsAdded,
    subscriptions: Object.keys(source.cursors).length,
    deadLetters: letters.reduce((n, d) => n + d.letters.length, 0),
    droppedLetters: letters.reduce((n, d) => n + d.dropped, 0),
  };
}

/** Writes `items` `BATCH` at a time. */
async function inBatches<T>(items: Iterable<T> | AsyncIterable<T>, write: (batch: T[]) => Promise<void>): Promise<void> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= BATCH) {
      await write(batch);
      batch = [];
    }
  }
  if (batch.length) await write(batch);
}

/**
 * Copies a stopped gateway's queue from its data directory into an empty PostgreSQL
 * queue, in one transaction: live tasks (after the restart rules, restart-rules.ts),
 * finished tasks, received SMS with their dedupe keys, the event log with its ids, the
 * subscription cursors and dead letters; ids and seqs are kept, the counters moved past
 * them. The tables are locked and must be empty (MigrationRefused otherwise, naming what
 * was found). Before COMMIT the database's counts per kind are held to the data
 * directory's; any difference rolls it all back (MigrationRefused).
 */
export async function migrateStore(o: MigrateOptions): Promise<MigrateReport> {
  const started = performance.now();
  const { source } = o;
  const wall = o.clock.wall();
  const tick = o.clock.mono();
  const plan = applyRestartRules(source.state.live.values(), { settings: o.settings, isLocalWorker: o.isLocalWorker, wall });
  const newest = source.state.events.newest;
  const added: GatewayEvent[] = plan.events.map((d, i) => ({ id: newest + i + 1, type: d.type, time: new Date(wall).toISOString(), queue: d.queue, data: d.data }));
  const expected = expectedContents(source, plan.live.map((r) => r.task), plan.finished, added.length);
  const copy = async (sql: Sql): Promise<QueueContents> => {
    await lockForImport(sql);
    const found = describeContents(await queueContents(sql));
    if (found) throw new MigrationRefused(`the database already holds ${found}; store migrate copies only into an empty queue (use a new database, or empty this one)`);
    const live = plan.live.map((r): ImportedTask => ({ task: r.task, readyTick: r.readyInMs > 0 ? tick + r.readyInMs : 0, ...(r.leaseMs !== undefined && { leaseExpiresTick: tick + r.leaseMs }) }));
    await inBatches(live, (b) => importTasks(sql, b));
    await inBatches(plan.finished.map((task) => ({ task, readyTick: 0 })), (b) => importTasks(sql, b));
    await inBatches(mapAsync(source.finished(), (task): ImportedTask => ({ task, readyTick: 0 })), (b) => importTasks(sql, b));
    await inBatches(source.inbox(), (b) => importInbox(sql, b));
    await inBatches(source.events(), (b) => importEvents(sql, b));
    await importEvents(sql, added);
    await importSubscriptions(sql, source.cursors, source.deadLetters);
    await advanceCounters(sql, source.state.maxSeq, expected.lastEventId);
    const copied = await queueContents(sql);
    const diff = differences(expected, copied);
    if (diff.length) throw new MigrationRefused(`the database's counts differ from the data directory's after the copy (data directory vs database: ${diff.join('; ')}); rolled back, nothing was written`);
    return copied;
  };
  let copied: QueueContents;
  try {
    copied = await o.db.tx(copy);
  } catch (err) {
    // Two tasks of a queue with one idempotency key, two received SMS with one dedupe key, a
    // field the schema refuses: the statement's SQLSTATE error (a lost connection is not one).
    const e = err as { code?: unknown; detail?: string; message?: string };
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && !isUnavailable(err)) {
      throw new MigrationRefused(`the database refused the copy: ${e.message}${e.detail ? ` (${e.detail})` : ''}; rolled back, nothing was written`);
    }
    throw err;
  }
  return { expected, copied, restart: plan.tally, eventsAdded: added.length, ms: performance.now() - started };
}

async function* mapAsync<T, R>(items: AsyncIterable<T>, fn: (item: T) => R): AsyncGenerator<R> {
  for await (const item of items) yield fn(item);
}
