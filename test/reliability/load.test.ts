import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startChild, type ChildGateway } from '../helpers/child-gateway.js';
import { until } from '../helpers/modem-harness.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/**
 * Load: one `katar-sms serve` child on the simulated modem, hammered for a bounded time by
 * concurrent producers and by remote workers speaking the katar protocol (some of which
 * fail tasks, "die" holding a task, or report long after their lease ended), while the
 * built-in worker drains too. Judged by what the clients saw (every hand-out recorded
 * from the poll answers) and by the server's own attempt record. Nothing here measures
 * speed: no timing is asserted, only invariants.
 */
const LOAD_MS = Number(process.env.KATAR_LOAD_MS ?? 6000);
const LEASE_MS = 1000; // the shortest lease the config accepts: dead workers' tasks come back quickly
const PRODUCERS = 10;
const WORKERS = 4;
const IN_FLIGHT = 4; // tasks one remote worker holds at most
const json = { 'content-type': 'application/json' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const now = (): number => performance.now();

/** Resident memory of a process in MB (Linux /proc). */
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface HandOut {
  id: string;
  worker: string;
  msg: string;
  /** Client clock when the poll was sent, and when its answer arrived. */
  sent: number;
  answered: number;
}
interface ReportSeen {
  worker: string;
  status: 'done' | 'failed';
  sent: number;
  /** HTTP status of the request that carried it (204/200: accepted; 409: refused). */
  http: number;
  late: boolean;
}
interface Attempt {
  n: number;
  worker: string;
  startedAt: string;
  endedAt?: string;
  outcome?: string;
}
interface TaskView {
  _id: string;
  status: string;
  error?: string;
  data: { msg: string };
  attempts: Attempt[];
}

describe(`load: ${PRODUCERS} producers and ${WORKERS} remote workers for ${LOAD_MS} ms, with the built-in worker`, () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('hands no task to two workers at once, loses nothing, and keeps memory flat', async () => {
    const tmp = await makeTmpDir();
    cleanups.push(tmp.cleanup);
    const configFile = join(tmp.dir, 'config.json');
    await writeFile(
      configFile,
      JSON.stringify({
        rateLimit: { max: 10_000_000, windowMs: 60_000 },
        queues: { sms: { leaseMs: LEASE_MS, maxAttempts: 10, retry: { initialDelayMs: 50, factor: 2, maxDelayMs: 400 } } },
        modems: [{ path: 'sim', simSendLatencyMs: 5 }],
      }),
    );
    const gw: ChildGateway = await startChild(['serve', '--modem', 'sim', '--port', '0', '--data-dir', join(tmp.dir, 'data'), '--config', configFile, '--log-level', 'info']);
    cleanups.push(async () => {
      if (gw.proc.exitCode === null && gw.proc.signalCode === null) gw.proc.kill('SIGKILL');
      await gw.exited;
    });
    const { url } = gw;
    const health = async (): Promise<{ queues: { sms: Record<string, number> }; modems: Array<{ state: string }> }> => (await fetch(`${url}/healthz`)).json() as never;
    await until(async () => (await health()).modems[0]?.state === 'ready', 15_000, 'simulated modem ready');

    const problems: string[] = [];
    const acked = new Map<string, string>(); // task id -> msg
    const handOuts = new Map<string, HandOut[]>();
    const reports = new Map<string, ReportSeen[]>(); // task id -> reports the remote workers sent
    const stats = { died: 0, failed: 0, late: 0, lateAccepted: 0, refused: 0, polls: 0 };
    let phase: 'load' | 'drain' | 'stop' = 'load';

    const producer = async (p: number): Promise<void> => {
      for (let i = 0; phase === 'load'; i++) {
        const msg = `load p${p} #${i} ${Math.random().toString(36).slice(2, 10)}`;
        try {
          const r = await fetch(`${url}/v1/queue/sms/send`, { method: 'POST', headers: json, body: JSON.stringify({ to: '+61404341143', msg }) });
          const body = (await r.json()) as { _id?: string };
          if (r.status === 201 && body._id) acked.set(body._id, msg);
          else problems.push(`send answered ${r.status}: ${JSON.stringify(body)}`);
        } catch (err) {
          problems.push(`send failed: ${String(err)}`);
        }
        await sleep(10 + Math.random() * 40);
      }
    };

    const noteReport = (id: string, r: ReportSeen): void => {
      const list = reports.get(id) ?? [];
      list.push(r);
      reports.set(id, list);
    };

    /** POSTs to the worker route; records the reports it carried and the tasks it got. */
    const post = async (worker: string, body: Record<string, unknown>, carried: Array<{ _id: string; status: 'done' | 'failed' }>, late = false): Promise<{ http: number; tasks: Array<{ _id: string; data: { msg: string } }> }> => {
      const sent = now();
      const r = await fetch(`${url}/v1/queue/sms`, { method: 'POST', headers: { ...json, 'x-katar-worker': worker }, body: JSON.stringify(body) });
      const answered = now();
      const text = await r.text();
      for (const c of carried) noteReport(c._id, { worker, status: c.status, sent, http: r.status, late });
      if (r.status === 200) {
        const tasks = (JSON.parse(text) as { tasks: Array<{ _id: string; data: { msg: string } }> }).tasks;
        for (const t of tasks) {
          const list = handOuts.get(t._id) ?? [];
          list.push({ id: t._id, worker, msg: t.data.msg, sent, answered });
          handOuts.set(t._id, list);
        }
        return { http: 200, tasks };
      }
      if (r.status !== 204 && r.status !== 409) problems.push(`worker ${worker}: poll answered ${r.status}: ${text}`);
      if (r.status === 409 && !/LEASE_LOST|TASK_CONFLICT/.test(text)) problems.push(`worker ${worker}: 409 without LEASE_LOST: ${text}`);
      return { http: r.status, tasks: [] };
    };

    const lateReports: Array<Promise<void>> = [];
    const remoteWorker = async (worker: string): Promise<void> => {
      const outbox: Array<{ _id: string; status: 'done' | 'failed'; error?: string }> = [];
      const timers = new Set<Promise<void>>();
      let held = 0;
      const handle = (t: { _id: string }): void => {
        const roll = Math.random();
        if (phase === 'load' && roll < 0.07) {
          // Dies holding the task: never reports it in time, so its lease must expire.
          stats.died++;
          if (Math.random() < 0.5) {
            // ...and sometimes comes back from the dead with a "done" long after the lease.
            lateReports.push(
              sleep(LEASE_MS + 100 + Math.random() * 400).then(async () => {
                stats.late++;
                const r = await post(worker, { max: 0, tasks: [{ _id: t._id, status: 'done' }] }, [{ _id: t._id, status: 'done' }], true);
                if (r.http === 204) stats.lateAccepted++;
              }),
            );
          }
          return;
        }
        held++;
        const fail = phase === 'load' && roll < 0.17;
        const p = sleep(5 + Math.random() * 55).then(() => {
          outbox.push(fail ? { _id: t._id, status: 'failed', error: 'simulated failure' } : { _id: t._id, status: 'done' });
          if (fail) stats.failed++;
          held--;
        });
        timers.add(p);
        void p.then(() => timers.delete(p));
      };
      while (phase !== 'stop' || outbox.length || timers.size) {
        if (phase === 'stop' || held >= IN_FLIGHT) {
          if (!outbox.length) {
            await sleep(5);
            continue;
          }
        }
        const batch = outbox.splice(0);
        const take = phase === 'stop' || held >= IN_FLIGHT ? { max: 0 } : Math.random() < 0.5 ? { max: 2 } : {};
        stats.polls++;
        const r = await post(worker, { ...take, ...(batch.length && { tasks: batch }) }, batch);
        if (r.http === 409) {
          // All or nothing: one refused report (its lease had ended) refuses the batch; send each alone.
          stats.refused++;
          for (const b of batch) await post(worker, { max: 0, tasks: [b] }, [b]);
        }
        r.tasks.forEach(handle);
        if (r.http === 204 && !batch.length) await sleep(5 + Math.random() * 20);
      }
    };

    const pid = gw.proc.pid!;
    const measure = existsSync(`/proc/${pid}/status`);
    const rssStart = measure ? rssMb(pid) : NaN;
    const started = now();
    const producers = Array.from({ length: PRODUCERS }, (_, p) => producer(p));
    const workers = Array.from({ length: WORKERS }, (_, w) => remoteWorker(`load-w${w}`));
    await sleep(LOAD_MS);
    phase = 'drain';
    const rssEnd = measure ? rssMb(pid) : NaN;
    await Promise.all(producers);

    // Drain: producers stopped, the remote workers keep working honestly beside the built-in one.
    await until(async () => {
      const c = (await health()).queues.sms;
      return c.queued === 0 && c['in progress'] === 0 && (c.paused ?? 0) === 0;
    }, 20_000, 'queue drained');
    phase = 'stop';
    await Promise.all(workers);
    await Promise.all(lateReports);

    // Every acknowledged send ended as done or failed (with its reason): none lost.
    const tasks = new Map<string, TaskView>();
    const ids = [...acked.keys()];
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(
        ids.slice(i, i + 50).map(async (id) => {
          const r = await fetch(`${url}/v1/queue/sms/tasks/${id}`);
          if (r.status !== 200) problems.push(`${id}: GET answered ${r.status}`);
          else tasks.set(id, (await r.json()) as TaskView);
        }),
      );
    }
    const outcome = { done: 0, failed: 0 };
    for (const [id, t] of tasks) {
      if (t.status === 'done') outcome.done++;
      else if (t.status === 'failed' && t.error) outcome.failed++;
      else problems.push(`${id}: ended ${t.status}${t.error ? ` (${t.error})` : ' without a reason'}`);
      if (t.data.msg !== acked.get(id)) problems.push(`${id}: stored msg changed`);
      // The server's own record: each attempt ended before the next began; an expired one
      // lasted its whole lease; at most one attempt is "done", and it is the last.
      const a = [...t.attempts].sort((x, y) => x.n - y.n);
      for (let k = 0; k < a.length; k++) {
        const cur = a[k]!;
        if (k < a.length - 1 && !cur.endedAt) problems.push(`${id}: attempt ${cur.n} (${cur.worker}) never ended but attempt ${a[k + 1]!.n} began`);
        if (k > 0 && a[k - 1]!.endedAt && Date.parse(a[k - 1]!.endedAt!) > Date.parse(cur.startedAt)) problems.push(`${id}: attempt ${cur.n} (${cur.worker}) began while attempt ${a[k - 1]!.n} (${a[k - 1]!.worker}) still held it`);
        // Leases run on the monotonic clock, the stamps are wall-clock milliseconds taken
        // at hand-out and at expiry: truncating both to whole milliseconds (and an NTP slew)
        // can show a full lease as up to 2 ms short.
        if (cur.outcome === 'expired' && cur.endedAt && Date.parse(cur.endedAt) - Date.parse(cur.startedAt) < LEASE_MS - 2) problems.push(`${id}: attempt ${cur.n} expired before its lease ended`);
        if (cur.outcome === 'done' && k !== a.length - 1) problems.push(`${id}: attempt ${cur.n} was done, yet it was handed out again`);
      }
      if (t.status === 'done' && a[a.length - 1]?.outcome !== 'done') problems.push(`${id}: done, but its last attempt is ${a[a.length - 1]?.outcome}`);
    }

    // What the remote workers saw: a task handed out again must have been reported failed by
    // its holder before (accepted), or held past its lease. Times are the client's: the first
    // holder's lease began after its poll was sent, the second after its answer arrived at the
    // latest, so only certain overlaps are flagged.
    let remoteHandOuts = 0;
    for (const [id, list] of handOuts) {
      remoteHandOuts += list.length;
      if (!acked.has(id)) problems.push(`${id}: handed out but never acknowledged to a producer`);
      for (const h of list) if (h.msg !== acked.get(id)) problems.push(`${id}: handed to ${h.worker} with another msg`);
      list.sort((x, y) => x.answered - y.answered);
      for (let k = 1; k < list.length; k++) {
        const first = list[k - 1]!;
        const second = list[k]!;
        const mine = (reports.get(id) ?? []).filter((r) => r.worker === first.worker && r.sent >= first.sent && (r.http === 204 || r.http === 200));
        if (mine.some((r) => r.status === 'done' && r.sent <= second.answered)) problems.push(`${id}: handed to ${second.worker} after ${first.worker} reported it done`);
        const releasedByFailure = mine.some((r) => r.status === 'failed' && r.sent <= second.answered);
        const leaseOver = second.answered - first.sent >= LEASE_MS;
        if (!releasedByFailure && !leaseOver) problems.push(`${id}: handed to ${second.worker} ${Math.round(second.answered - first.sent)} ms after ${first.worker} got it, with no failure reported and its lease of ${LEASE_MS} ms still running`);
      }
    }
    for (const [id, list] of reports) {
      for (const r of list) if (r.late && r.http !== 204 && r.http !== 409) problems.push(`${id}: a late report answered ${r.http}`);
    }

    // Leak smoke check, not a performance assertion: the bound is generous on purpose.
    const growth = rssEnd - rssStart;
    console.log(
      `load: ${Math.round(now() - started)} ms, ${acked.size} sends acknowledged (${outcome.done} done, ${outcome.failed} failed), ${remoteHandOuts} remote hand-outs in ${stats.polls} polls, ` +
        `${stats.failed} reported failed, ${stats.died} died holding a task, ${stats.late} late reports (${stats.lateAccepted} accepted), ${stats.refused} refused batches, RSS ${rssStart.toFixed(0)} -> ${rssEnd.toFixed(0)} MB`,
    );
    expect(problems.slice(0, 20)).toEqual([]);
    expect(tasks.size).toBe(acked.size);
    expect(acked.size).toBeGreaterThan(PRODUCERS);
    expect(remoteHandOuts).toBeGreaterThan(0);
    if (measure) expect(growth).toBeLessThan(150);

    gw.proc.kill('SIGTERM');
    expect(await gw.exited, gw.output().slice(-3000)).toBe(0);
  }, 30_000 + LOAD_MS * 2);
});
