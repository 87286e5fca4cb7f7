import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/modem-harness.js';
import { startModems, type MultiModemHarness } from './multi-modem-harness.js';

let h: MultiModemHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const sims = (...names: string[]): Array<{ name: string; path: string }> => names.map((name) => ({ name, path: 'sim' }));

describe('several modems in one gateway: routing', () => {
  it('via a modem, via a group and by destination prefix: each SMS goes out through the modems it may', async () => {
    h = await startModems({ modems: sims('m1', 'm2', 'm3'), modemGroups: { pair: ['m2', 'm3'] }, routes: [{ prefix: '+4915', modems: ['m3'] }] }, { sendLatencyMs: 20 });
    const ids = [
      await h.send({ to: '+61404000001', msg: 'via m1 a', via: 'm1' }),
      await h.send({ to: '+61404000002', msg: 'via m1 b', via: 'm1' }),
      await h.send({ to: '+61404000003', msg: 'via pair a', via: 'pair' }),
      await h.send({ to: '+61404000004', msg: 'via pair b', via: 'pair' }),
      await h.send({ to: '+4915112345678', msg: 'route +4915 a' }),
      await h.send({ to: '+4915112345679', msg: 'route +4915 b' }),
    ];
    for (const id of ids) expect((await h.finished(id)).status).toBe('done');
    const by = new Map(h.sentBy().map(([m, text]) => [text, m]));
    expect(by.get('via m1 a')).toBe('m1');
    expect(by.get('via m1 b')).toBe('m1');
    expect(['m2', 'm3']).toContain(by.get('via pair a'));
    expect(['m2', 'm3']).toContain(by.get('via pair b'));
    expect(by.get('route +4915 a')).toBe('m3');
    expect(by.get('route +4915 b')).toBe('m3');
    expect(h.sentBy()).toHaveLength(6);
  });

  it('unrouted sends spread over every ready modem', async () => {
    h = await startModems({ modems: sims('m1', 'm2', 'm3', 'm4') }, { sendLatencyMs: 50 });
    const ids = [];
    for (let i = 0; i < 24; i++) ids.push(await h.send({ to: '+61404000001', msg: `any ${i}` }));
    for (const id of ids) expect((await h.finished(id)).status).toBe('done');
    const counts = new Map<string, number>();
    for (const [m] of h.sentBy()) counts.set(m, (counts.get(m) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(h.sentBy()).toHaveLength(24);
  });
});

describe('several modems in one gateway: failover', () => {
  it('one modem unplugged mid-drain: nothing lost, nothing sent twice, every task sent by some modem', async () => {
    h = await startModems({ modems: sims('m1', 'm2', 'm3') }, { sendLatencyMs: 40 });
    const m2 = h.sims.get('m2')!;
    // Unplugged as it starts its fourth send: the AT+CMGS is on the wire, the PDU is not.
    let unplugged = false;
    let heldByM2: string[] = [];
    m2.on('command', (line: string) => {
      if (!unplugged && line.startsWith('AT+CMGS=') && m2.sent.length >= 3) {
        unplugged = true;
        heldByM2 = [...h!.queue.store.live.values()].filter((t) => t.lease?.worker === 'builtin:m2').map((t) => t._id);
        m2.unplug();
      }
    });
    const ids = [];
    for (let i = 0; i < 40; i++) ids.push(await h.send({ to: '+61404000001', msg: `drain ${i}` }));
    const tasks = await Promise.all(ids.map((id) => h!.finished(id)));
    expect(unplugged).toBe(true);
    expect(tasks.map((t) => t.status)).toEqual(ids.map(() => 'done'));
    const texts = h.sentBy().map(([, text]) => text);
    expect(texts.sort()).toEqual(ids.map((_, i) => `drain ${i}`).sort());
    expect(m2.sent.length).toBe(3);
    // What m2 held went back untried (no attempt counted) and another modem sent it.
    expect(heldByM2.length).toBeGreaterThanOrEqual(1);
    for (const id of heldByM2) {
      const t = tasks.find((x) => x._id === id)!;
      expect(t.attempts.map((a) => [a.worker, a.outcome])).toEqual([[expect.not.stringMatching(/m2$/), 'done']]);
    }
    expect(h.sessions.get('m2')!.state).not.toBe('ready');
  });

  it('a task pinned to a modem that stays down waits, then fails at validUntil saying which modem it waited for', async () => {
    h = await startModems({ modems: sims('m1', 'm2') }, { sendLatencyMs: 20 });
    h.sims.get('m2')!.unplug();
    await until(() => h!.sessions.get('m2')!.state !== 'ready', 5000, 'm2 down');
    const validUntil = new Date(Date.now() + 1500).toISOString();
    const pinned = await h.send({ to: '+61404000001', msg: 'only m2', via: 'm2', validUntil });
    const free = await h.send({ to: '+61404000002', msg: 'anyone' });
    expect((await h.finished(free)).status).toBe('done');
    expect((await h.queue.get('sms', pinned)).status).toBe('queued');
    const t = await h.finished(pinned, 10_000);
    expect(t.status).toBe('failed');
    expect(t.error).toBe('expired: validUntil passed before it could be sent while it waited for modem m2 (via m2)');
    expect(t.attempts).toEqual([]);
    expect(h.sentBy()).toEqual([['m1', 'anyone']]);
  });
});

describe('several modems in one gateway: pacing', () => {
  it('minIntervalMs with jitter: consecutive sends of one modem start at least minIntervalMs apart', async () => {
    h = await startModems({ modems: [{ name: 'm1', path: 'sim', minIntervalMs: 300, jitterMs: 100 }] }, { sendLatencyMs: 20 });
    // When each AT+CMGS reached the modem: the start of each send, as the network would see it.
    const at: number[] = [];
    h.sims.get('m1')!.on('command', (line: string) => line.startsWith('AT+CMGS=') && at.push(performance.now()));
    const ids = [];
    for (let i = 0; i < 6; i++) ids.push(await h.send({ to: '+61404000001', msg: `paced ${i}` }));
    for (const id of ids) expect((await h.finished(id)).status).toBe('done');
    const gaps = at.slice(1).map((t, i) => Math.round(t - at[i]!));
    expect(gaps).toHaveLength(5);
    // The gate holds each start 300-400 ms after the previous one; the command reaches the
    // simulator a few ms after the gate let it go (one may wait behind a health poll).
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(300 - 25);
      expect(g).toBeLessThan(300 + 100 + 300);
    }
    console.info(`pacing: minIntervalMs 300, jitterMs 100; measured gaps ${gaps.join(', ')} ms`);
  });

  it('a capped modem takes no task: its tasks stay queued for another modem, and its status says until when', async () => {
    h = await startModems({ modems: [{ name: 'capped', path: 'sim', limits: { perDay: 2, timezone: 'UTC' } }, { name: 'free', path: 'sim' }] }, { sendLatencyMs: 40 });
    const ids = [];
    for (let i = 0; i < 12; i++) ids.push(await h.send({ to: '+61404000001', msg: `capped ${i}` }));
    const tasks = await Promise.all(ids.map((id) => h!.finished(id)));
    expect(tasks.map((t) => t.status)).toEqual(ids.map(() => 'done'));
    expect(h.sims.get('capped')!.sent.length).toBeLessThanOrEqual(2);
    expect(h.sentBy()).toHaveLength(12);
    // A send to the capped modem alone waits queued; it does not fail.
    const pinned = await h.send({ to: '+61404000001', msg: 'for capped', via: 'capped' });
    if (h.sims.get('capped')!.sent.length < 2) {
      // The free modem drained the queue before the capped one reached its cap: fill it.
      for (let i = h.sims.get('capped')!.sent.length; i < 2; i++) expect((await h.finished(await h.send({ to: '+61404000001', msg: `fill ${i}`, via: 'capped' }))).status).toBe('done');
    }
    await until(() => h!.parts.modems.all().find((m) => m.name === 'capped')?.pauseReason === 'limit', 5000, 'capped paused');
    const status = h.parts.modems.all().find((m) => m.name === 'capped')!;
    const midnight = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1)).toISOString();
    expect(status).toMatchObject({ state: 'ready', pauseReason: 'limit', pausedUntil: midnight });
    expect(status.pauseDetail).toMatch(/^perDay 2 reached/);
    await new Promise((r) => setTimeout(r, 200));
    const waiting = await h.queue.get('sms', pinned);
    expect(waiting.status).toBe('queued');
    expect(waiting.attempts).toEqual([]);
  });
});
