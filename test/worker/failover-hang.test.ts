import { afterEach, describe, expect, it } from 'vitest';
import { hang, outcome } from '../../src/simulator/index.js';
import type { Task } from '../../src/queue/task.js';
import { startModemHarness, until, type ModemHarness } from '../helpers/modem-harness.js';
import { startModems, type MultiModemHarness } from './multi-modem-harness.js';

let h: MultiModemHarness | undefined;
let one: ModemHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  await one?.close();
  one = undefined;
});

const sims = (...names: string[]): Array<{ name: string; path: string }> => names.map((name) => ({ name, path: 'sim' }));

describe('failover from a modem that stops answering', () => {
  it('hung mid-drain: its task without a prompt goes to the other modem untried, and the hung modem takes nothing more', async () => {
    h = await startModems({ modems: sims('m1', 'm2') }, { sendLatencyMs: 40 });
    const m2 = h.sims.get('m2')!;
    const session2 = h.sessions.get('m2')!;
    // Hung as its third AT+CMGS arrives: the command is on the wire, no prompt ever comes.
    let hungAt = -1;
    let heldByM2: string[] = [];
    m2.on('command', (line: string) => {
      if (hungAt < 0 && line.startsWith('AT+CMGS=') && m2.sent.length >= 2) {
        hungAt = m2.sent.length;
        heldByM2 = [...h!.queue.store.live.values()].filter((t) => t.lease?.worker === 'builtin:m2').map((t) => t._id);
        hang(m2, 'never');
      }
    });
    // Every hand-out, return and end, in order, with m2's state at that moment.
    const events: Array<{ id: string; what: 'leased' | 'back' | 'done'; worker: string; m2State: string }> = [];
    h.queue.on('status', (t: Task, from: string | null) => {
      if (from === null) return; // just queued
      const what = t.status === 'in progress' ? 'leased' : t.status === 'queued' ? 'back' : t.status === 'done' ? 'done' : undefined;
      if (what) events.push({ id: t._id, what, worker: t.lease?.worker ?? '-', m2State: session2.state });
    });
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push(await h.send({ to: '+61404000001', msg: `drain ${i}` }));
    const tasks = await Promise.all(ids.map((id) => h!.finished(id, 30_000)));
    expect(hungAt).toBe(2);
    expect(tasks.map((t) => t.status)).toEqual(ids.map(() => 'done'));
    // Each sent exactly once, by some modem; m2 sent nothing after it hung.
    expect(h.sentBy().map(([, text]) => text).sort()).toEqual(ids.map((_, i) => `drain ${i}`).sort());
    expect(m2.sent.length).toBe(2);
    // No attempt failed: the one whose prompt never came went back untried.
    for (const t of tasks) expect(t.attempts.map((a) => a.outcome)).toEqual(['done']);
    // What m2 held when it hung (the task it was submitting, maybe the next one too): given
    // back by m2, then sent by m1, all while m2 still showed "ready" (no reconnect, no
    // healing step needed first).
    expect(heldByM2.length).toBeGreaterThanOrEqual(1);
    for (const id of heldByM2) {
      expect(tasks.find((t) => t._id === id)!.attempts.map((a) => a.worker)).toEqual(['builtin:m1']);
      expect(events.filter((e) => e.id === id).map((e) => [e.what, e.worker, e.m2State])).toEqual([
        ['leased', 'builtin:m2', 'ready'],
        ['back', '-', 'ready'],
        ['leased', 'builtin:m1', 'ready'],
        ['done', '-', 'ready'],
      ]);
    }
    // Once it gave its task back, m2 took no task while hung.
    const firstBack = events.findIndex((e) => e.what === 'back' && heldByM2.includes(e.id));
    expect(events.slice(firstBack).filter((e) => e.what === 'leased' && e.worker === 'builtin:m2')).toEqual([]);
    expect(m2.commands.filter((c) => c.startsWith('AT+CMGS='))).toHaveLength(3);
    // A task pinned to the hung modem waits untried, then fails at its validUntil.
    const pinned = await h.send({ to: '+61404000001', msg: 'only m2', via: 'm2', validUntil: new Date(Date.now() + 1500).toISOString() });
    const t = await h.finished(pinned, 10_000);
    expect(t.status).toBe('failed');
    expect(t.error).toBe('expired: validUntil passed before it could be sent while it waited for modem m2 (via m2)');
    expect(t.attempts).toEqual([]);
    expect(m2.commands.filter((c) => c.startsWith('AT+CMGS='))).toHaveLength(3);
  }, 45_000);

  it('a modem that never prompts cannot bounce a task for ever: the third such failure counts an attempt', async () => {
    one = await startModemHarness({ sim: { sendLatencyMs: 10 } });
    await one.session.whenReady();
    // "OK" to AT+CMGS=<n> instead of the prompt, three times: the PDU is never written.
    let refused = 0;
    one.sim.use({ name: 'no-prompt', match: (c) => c.name === '+CMGS' && c.kind === 'set', handle: () => (refused++ < 3 ? outcome.ok() : undefined) });
    const id = await one.gateway.send({ to: '+61404341143', msg: 'no prompt thrice' });
    expect(await one.finished(id)).toBe('done');
    const t = await one.gateway.queue.get('sms', id);
    expect(t.attempts.map((a) => a.outcome)).toEqual(['failed', 'done']);
    expect(t.attempts[0]!.error).toMatch(/OK without a prompt/);
    expect(one.sim.commands.filter((c) => c.startsWith('AT+CMGS='))).toHaveLength(4);
    expect(one.sim.sentMessages().map((m) => m.text)).toEqual(['no prompt thrice']);
    // Between the refusals the worker asked the modem whether it answers at all.
    expect(one.sim.commands.filter((c) => c === 'AT').length).toBeGreaterThanOrEqual(3);
  });

  it('a +CMS ERROR before the prompt is still a failed attempt (the modem answered)', async () => {
    one = await startModemHarness();
    await one.session.whenReady();
    let refused = 0;
    one.sim.use({ name: 'refuse-once', match: (c) => c.name === '+CMGS', handle: () => (refused++ === 0 ? outcome.cms(331) : undefined) });
    const id = await one.gateway.send({ to: '+61404341143', msg: 'cms once' });
    expect(await one.finished(id)).toBe('done');
    await until(async () => (await one!.gateway.queue.get('sms', id)).attempts.length === 2, 1000, 'two attempts');
    expect((await one.gateway.queue.get('sms', id)).attempts.map((a) => a.outcome)).toEqual(['failed', 'done']);
  });
});
