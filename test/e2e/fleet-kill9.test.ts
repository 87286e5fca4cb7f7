import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { startChild, type ChildGateway } from '../helpers/child-gateway.js';
import { until } from '../helpers/modem-harness.js';
import { freshDatabase } from '../helpers/postgres.js';
import { hasPtyRelay, simOnPty } from '../helpers/sim-on-pty.js';

/**
 * A fleet of two gateway processes (`serve` from dist/, as users run it) on one
 * PostgreSQL database, each with its own simulated modem. The simulators live in this
 * process, on real pseudo-terminals, so what each modem received over the wire survives
 * the crash and is the judge. 1,000 sends are posted round-robin to both boxes (retried
 * with their idempotency key until acknowledged, as a careful client does); box A is
 * killed with SIGKILL in the middle of it and started again on its data directory. At the
 * end every acknowledged send was sent exactly once (or failed visibly as "outcome
 * unknown", then sent at most once), nothing else was sent, both modems drained the
 * queue, and only box A's interrupted leases were ended by its restart.
 */
const SENDS = 1000;
const PRODUCERS = 8;
const json = { 'content-type': 'application/json' };
const provided = inject('postgres');

interface TaskView {
  _id: string;
  status: string;
  error?: string;
  data: { msg: string };
  lease?: { worker: string };
  attempts: Array<{ worker: string; outcome?: string; error?: string }>;
}

/** Every task of queue sms, read page by page. */
async function allTasks(url: string, status?: string): Promise<TaskView[]> {
  const out: TaskView[] = [];
  let cursor: string | undefined;
  do {
    const q = new URLSearchParams({ limit: '1000', ...(status && { status }), ...(cursor && { cursor }) });
    const page = (await (await fetch(`${url}/v1/queue/sms/tasks?${q}`)).json()) as { tasks: TaskView[]; next?: string };
    out.push(...page.tasks);
    cursor = page.next;
  } while (cursor);
  return out;
}

async function modemReady(url: string): Promise<boolean> {
  try {
    const h = (await (await fetch(`${url}/healthz`)).json()) as { modems: Array<{ state: string }> };
    return h.modems[0]?.state === 'ready';
  } catch {
    return false;
  }
}

describe.skipIf(!provided.url || !hasPtyRelay)('a fleet of two gateway processes on PostgreSQL, one killed with -9', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it(`sends ${SENDS} posted to both boxes exactly once, across kill -9 and restart of one`, async () => {
    const db = await freshDatabase(provided.url!);
    cleanups.push(() => db.drop());
    const simA = await simOnPty({ name: 'box-a', sendLatencyMs: 10 });
    cleanups.push(simA.close);
    const simB = await simOnPty({ name: 'box-b', sendLatencyMs: 10 });
    cleanups.push(simB.close);

    const argsOf = async (box: 'a' | 'b', sim: { path: string; dir: string }): Promise<string[]> => {
      const config = join(sim.dir, 'config.json');
      await writeFile(config, JSON.stringify({ gatewayId: `box-${box}`, store: { kind: 'postgres', url: db.url, poolSize: 4 }, rateLimit: { max: 1_000_000, windowMs: 1000 } }));
      return ['serve', '--config', config, '--modem', sim.path, '--port', '0', '--data-dir', join(sim.dir, 'data'), '--log-level', 'info'];
    };
    const args = { a: await argsOf('a', simA), b: await argsOf('b', simB) };
    const boxes: Record<'a' | 'b', ChildGateway | undefined> = { a: undefined, b: undefined };
    const killed: ChildGateway[] = [];
    onTestFailed(() => {
      for (const [name, gw] of [['a, killed', killed[0]], ['a', boxes.a], ['b', boxes.b]] as const) if (gw) console.log(`box ${name}, the end of its log:\n${gw.output().slice(-6000)}`);
    });
    cleanups.push(async () => {
      for (const gw of [boxes.a, boxes.b]) {
        gw?.proc.kill('SIGKILL');
        await gw?.exited;
      }
    });
    [boxes.a, boxes.b] = await Promise.all([startChild(args.a), startChild(args.b)]);
    await until(async () => (await modemReady(boxes.a!.url)) && (await modemReady(boxes.b!.url)), 20_000, 'both modems ready');

    // Round-robin: try k of send i goes to box (i + k) % 2, so a send refused by a box that
    // died goes to the other one next.
    const acked = new Map<string, string>(); // idempotency key (= text) -> task id
    const ackedTwice: string[] = [];
    const refusals = new Map<string, number>();
    const work = Array.from({ length: SENDS }, (_, i) => ({ key: `fleet-${i}`, i, tries: 0 }));
    const produce = async (): Promise<void> => {
      for (let item = work.shift(); item; item = work.shift()) {
        const box = boxes[(item.i + item.tries++) % 2 === 0 ? 'a' : 'b'];
        try {
          if (!box || box.proc.exitCode !== null || box.proc.signalCode !== null) throw new Error('box down');
          const r = await fetch(`${box.url}/v1/queue/sms/send`, { method: 'POST', headers: json, body: JSON.stringify({ to: '+61404341143', msg: item.key, idempotencyKey: item.key }) });
          if (r.status === 201 || r.status === 200) {
            const id = ((await r.json()) as { _id: string })._id;
            const before = acked.get(item.key);
            if (before !== undefined && before !== id) ackedTwice.push(`${item.key}: ${before} and ${id}`);
            acked.set(item.key, id);
            // Paced so that posting spans the kill, not only the sending.
            await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
            continue;
          }
          refusals.set(String(r.status), (refusals.get(String(r.status)) ?? 0) + 1);
          throw new Error(`HTTP ${r.status}`);
        } catch {
          // Not acknowledged (the box died under the request, or refused it): again later.
          work.push(item);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const producers = Array.from({ length: PRODUCERS }, () => produce());

    // Kill box A with its modem busy and the producers mid-way.
    await until(() => acked.size >= SENDS * 0.4 && simA.sim.sentMessages().length >= 20, 60_000, 'box A sending, 40 % acknowledged');
    killed.push(boxes.a!);
    boxes.a!.proc.kill('SIGKILL');
    await boxes.a!.exited;
    const sentByABeforeRestart = simA.sim.sentMessages().length;
    // B's leases at this moment must survive A's restart untouched.
    const leasedByB = (await allTasks(boxes.b!.url, 'in progress')).filter((t) => t.lease?.worker.startsWith('builtin:box-b:')).map((t) => t._id);
    await new Promise((r) => setTimeout(r, 500));
    boxes.a = await startChild(args.a);
    await until(() => modemReady(boxes.a!.url), 20_000, 'box A modem ready again');
    await Promise.all(producers);
    expect(acked.size).toBe(SENDS);

    const counts = async (url: string): Promise<Record<string, number>> => ((await (await fetch(`${url}/healthz`)).json()) as { queues: { sms: Record<string, number> } }).queues.sms;
    await until(async () => {
      const [a, b] = [await counts(boxes.a!.url), await counts(boxes.b!.url)];
      return a.queued === 0 && a['in progress'] === 0 && b.queued === 0 && b['in progress'] === 0;
    }, 90_000, 'queue drained (as both boxes see it)');

    const tasks = await allTasks(boxes.b!.url);
    const sent = new Map<string, string[]>(); // text -> modems it went out on
    for (const [name, sim] of [['a', simA.sim], ['b', simB.sim]] as const) for (const m of sim.sentMessages()) sent.set(m.text, [...(sent.get(m.text) ?? []), name]);
    const problems: string[] = [...ackedTwice.map((p) => `acknowledged as two tasks: ${p}`)];
    const byKey = new Map<string, TaskView[]>();
    for (const t of tasks) byKey.set(t.data.msg, [...(byKey.get(t.data.msg) ?? []), t]);
    const unknown: TaskView[] = [];
    for (const [key, id] of acked) {
      const found = byKey.get(key) ?? [];
      if (found.length !== 1 || found[0]!._id !== id) {
        problems.push(`${key}: acknowledged as ${id}, stored as ${found.map((t) => t._id).join(', ') || 'nothing'}`);
        continue;
      }
      const t = found[0]!;
      const on = sent.get(key) ?? [];
      if (t.status === 'done') {
        if (on.length !== 1) problems.push(`${key}: done but sent ${on.length} times (${on.join(', ')})`);
      } else if (t.status === 'failed' && /outcome unknown/.test(t.error ?? '')) {
        unknown.push(t);
        if (on.length > 1) problems.push(`${key}: outcome unknown but sent ${on.length} times`);
        // Only the killed box's restart may end a lease, and only its own.
        const last = t.attempts.at(-1);
        if (!last?.worker.startsWith('builtin:box-a:')) problems.push(`${key}: failed as outcome unknown, but its last lease was ${last?.worker}'s`);
      } else problems.push(`${key}: ${t.status}${t.error ? ` (${t.error})` : ''}`);
    }
    for (const t of tasks) if (!acked.has(t.data.msg)) problems.push(`${t.data.msg}: stored (${t._id}) but never acknowledged`);
    for (const [text, on] of sent) if (!acked.has(text)) problems.push(`${text}: sent on ${on.join(', ')} but never acknowledged`);
    for (const id of leasedByB) {
      const t = tasks.find((x) => x._id === id);
      if (t?.status !== 'done') problems.push(`${id}: leased by box B when A restarted, then ${t?.status} (${t?.error})`);
    }
    const fromA = simA.sim.sentMessages().length;
    const fromB = simB.sim.sentMessages().length;
    console.log(
      `fleet kill -9: ${acked.size} sends acknowledged (refused meanwhile: ${[...refusals].map(([s, n]) => `${s} x${n}`).join(', ') || 'none'}), ` +
        `sent by A ${fromA} (${sentByABeforeRestart} before its kill), by B ${fromB}; ${unknown.length} failed as outcome unknown (${unknown.map((t) => `${t.data.msg} sent ${sent.get(t.data.msg)?.length ?? 0} times`).join(', ')}); ${leasedByB.length} leased by B during A's restart`,
    );
    expect(problems.slice(0, 30)).toEqual([]);
    expect(tasks.length).toBe(SENDS);
    // Both drained the queue, A after its restart as well. The kill cut off at most A's send
    // on the wire and the one before it, whose outcome is written while the next goes out.
    expect(fromB).toBeGreaterThan(0);
    expect(fromA).toBeGreaterThan(sentByABeforeRestart);
    expect(unknown.length).toBeLessThanOrEqual(2);
    for (const gw of [boxes.a, boxes.b]) {
      gw!.proc.kill('SIGTERM');
      await gw!.exited;
    }
  }, 180_000);
});
