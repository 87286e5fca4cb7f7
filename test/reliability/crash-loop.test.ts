import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startChild, type ChildGateway } from '../helpers/child-gateway.js';
import { until } from '../helpers/modem-harness.js';
import { hasPtyRelay, simOnPty } from '../helpers/sim-on-pty.js';

/**
 * kill -9 at random moments while producers send (retrying with an idempotency key until
 * acknowledged, as a careful client does), the built-in worker drains into the simulated
 * modem over a real pty, and the modem receives SMS. The simulator lives in this process,
 * so its record survives every crash and is the judge.
 */
const CYCLES = Number(process.env.KATAR_CRASH_CYCLES ?? 10);
const json = { 'content-type': 'application/json' };

describe.skipIf(!hasPtyRelay)(`crash loop: ${CYCLES} cycles of kill -9`, () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('loses nothing and sends nothing twice', async () => {
    const { sim, path, dir, close } = await simOnPty({ name: 'crash', sendLatencyMs: 30 });
    cleanups.push(close);
    // Fixed across restarts, and below Linux's ephemeral range (32768 up) where other
    // tests' outgoing connections could be holding it.
    const port = 20000 + Math.floor(Math.random() * 12000);
    const url = `http://127.0.0.1:${port}`;
    const args = ['serve', '--modem', path, '--port', String(port), '--data-dir', join(dir, 'data'), '--log-level', 'info'];

    const acked = new Map<string, string>(); // idempotency key (= text) -> task id
    const pending = new Set<string>(); // keys sent but not yet acknowledged: retried
    const injected: string[] = [];
    let next = 0;
    let gw: ChildGateway | undefined;
    cleanups.push(async () => void gw?.proc.kill('SIGKILL'));

    const produce = async (stop: () => boolean): Promise<void> => {
      while (!stop()) {
        const key = pending.values().next().value ?? `msg-${next++}`;
        pending.add(key);
        try {
          const r = await fetch(`${url}/v1/queue/sms/send`, { method: 'POST', headers: json, body: JSON.stringify({ to: '+61404341143', msg: key, idempotencyKey: key }) });
          if (r.status === 201 || r.status === 200) {
            acked.set(key, ((await r.json()) as { _id: string })._id);
            pending.delete(key);
          }
          // Paced below what the modem drains, so the backlog does not grow without end.
          await new Promise((res) => setTimeout(res, 100 + Math.random() * 200));
        } catch {
          return; // the gateway died under us: the key stays pending
        }
      }
    };
    const ready = async (): Promise<boolean> => {
      try {
        const h = (await (await fetch(`${url}/healthz`)).json()) as { modems: Array<{ state: string }> };
        return h.modems[0]?.state === 'ready';
      } catch {
        return false;
      }
    };

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      gw = await startChild(args); // the store must load every time
      await until(ready, 20_000, `modem ready (cycle ${cycle})`);
      let stopped = false;
      const producers = Array.from({ length: 4 }, () => produce(() => stopped));
      const feeder = (async () => {
        while (!stopped) {
          const text = `incoming-${injected.length}`;
          injected.push(text);
          sim.injectIncoming({ from: '+4915112345678', text });
          await new Promise((r) => setTimeout(r, 40 + Math.random() * 80));
        }
      })();
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 900));
      gw.proc.kill('SIGKILL');
      await gw.exited;
      stopped = true;
      await Promise.all([...producers, feeder]);
    }

    // Final run: acknowledge what is pending, let everything drain.
    gw = await startChild(args);
    await until(ready, 20_000, 'modem ready (final)');
    while (pending.size) await produce(() => pending.size === 0);
    const counts = async (): Promise<Record<string, number>> => ((await (await fetch(`${url}/healthz`)).json()) as { queues: { sms: Record<string, number> } }).queues.sms;
    try {
      await until(async () => {
        const c = await counts();
        return c.queued === 0 && c['in progress'] === 0;
      }, 120_000, 'queue drained');
    } catch (err) {
      const stuck = (await (await fetch(`${url}/v1/queue/sms/tasks?limit=1000`)).json()) as { tasks: Array<{ status: string; attempts: unknown[]; notBefore?: string; error?: string }> };
      console.log(JSON.stringify(await counts()), JSON.stringify(stuck.tasks.filter((t) => t.status !== 'done' && t.status !== 'failed').slice(0, 5), null, 1));
      throw err;
    }
    const inboxTexts = async (): Promise<string[]> => {
      const out: string[] = [];
      let since = '';
      for (;;) {
        const page = (await (await fetch(`${url}/v1/queue/sms/inbox?limit=1000${since ? `&since=${since}` : ''}`)).json()) as { messages: Array<{ msg: string }>; next?: string };
        out.push(...page.messages.map((m) => m.msg));
        if (page.messages.length === 0 || !page.next) return out;
        since = page.next;
      }
    };
    await until(async () => (await inboxTexts()).length >= injected.length, 30_000, 'inbox complete');

    // Judge against the simulator's own record.
    const sentCount = new Map<string, number>();
    for (const m of sim.sentMessages()) sentCount.set(m.text, (sentCount.get(m.text) ?? 0) + 1);
    const problems: string[] = [];
    for (const [key, id] of acked) {
      const t = (await (await fetch(`${url}/v1/queue/sms/tasks/${id}`)).json()) as { status: string; error?: string };
      const n = sentCount.get(key) ?? 0;
      if (t.status === 'done' && n !== 1) problems.push(`${key}: done but sent ${n} times`);
      else if (t.status === 'failed' && !/outcome unknown/.test(t.error ?? '')) problems.push(`${key}: failed (${t.error})`);
      else if (t.status === 'failed' && n > 1) problems.push(`${key}: outcome unknown but sent ${n} times`);
      else if (t.status !== 'done' && t.status !== 'failed') problems.push(`${key}: ${t.status}`);
    }
    for (const [text, n] of sentCount) {
      if (!acked.has(text)) problems.push(`${text}: sent but never acknowledged`);
      if (n > 1) problems.push(`${text}: sent ${n} times`);
    }
    const inbox = await inboxTexts();
    const inboxCount = new Map<string, number>();
    for (const t of inbox) inboxCount.set(t, (inboxCount.get(t) ?? 0) + 1);
    for (const t of injected) if (inboxCount.get(t) !== 1) problems.push(`${t}: in the inbox ${inboxCount.get(t) ?? 0} times`);
    const unknown = [...acked.keys()].length - [...sentCount.keys()].filter((k) => acked.has(k)).length;
    console.log(`crash loop: ${CYCLES} kills, ${acked.size} sends acknowledged, ${sim.sentMessages().length} sent, ${unknown} failed as outcome unknown, ${injected.length} received`);
    expect(problems).toEqual([]);
    expect(acked.size).toBeGreaterThan(CYCLES);
    gw.proc.kill('SIGTERM');
    await gw.exited;
  }, 60_000 + CYCLES * 15_000);
});
