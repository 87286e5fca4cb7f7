import { afterEach, describe, expect, it } from 'vitest';
import { startModemHarness, until, type ModemHarness } from '../helpers/modem-harness.js';

let h: ModemHarness;
afterEach(async () => h?.close());

describe('built-in worker: modem faults', () => {
  it('keeps queued tasks through an unplug and sends each once after the replug', async () => {
    h = await startModemHarness();
    await h.session.whenReady();
    await until(() => h.gateway.parts.modems.all()[0]?.signalDbm !== undefined, 5000, 'a health sample');
    h.sim.unplug();
    await until(() => h.session.state === 'disconnected', 5000, 'disconnected');
    // An unplugged modem has no signal, registration or operator: the last sample is not kept.
    await until(() => h.gateway.parts.modems.all()[0]?.state === 'disconnected', 5000, 'reported disconnected');
    expect(h.gateway.parts.modems.all()[0]).not.toHaveProperty('signalDbm');
    expect(h.gateway.parts.modems.all()[0]).not.toHaveProperty('registration');
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await h.gateway.send({ to: '+61404341143', msg: `while unplugged ${i}` }));
    await new Promise((r) => setTimeout(r, 100));
    expect(h.sim.sent).toHaveLength(0);
    expect(h.gateway.queue.counts('sms').queued).toBe(5);
    h.sim.replug();
    for (const id of ids) expect(await h.finished(id)).toBe('done');
    expect(h.sim.sentMessages().map((m) => m.text).sort()).toEqual(ids.map((_, i) => `while unplugged ${i}`).sort());
  });

  it('fails as "outcome unknown" a message whose AT+CMGS was cut by a modem reboot, and does not resend it', async () => {
    h = await startModemHarness({ sim: { sendLatencyMs: 300 } });
    await h.session.whenReady();
    const id = await h.gateway.send({ to: '+61404341143', msg: 'cut by a reboot' });
    await until(async () => (await h.gateway.queue.get('sms', id)).lease?.submitting === true, 5000, 'submitting');
    await new Promise((r) => setTimeout(r, 30)); // the PDU is with the modem now
    h.sim.reboot();
    expect(await h.finished(id)).toBe('failed');
    const t = await h.gateway.queue.get('sms', id);
    expect(t.error).toMatch(/outcome unknown/);
    await until(() => h.session.state === 'ready', 5000, 'ready again');
    const next = await h.gateway.send({ to: '+61404341143', msg: 'after the reboot' });
    expect(await h.finished(next)).toBe('done');
    expect(h.sim.commands.filter((c) => c.startsWith('AT+CMGS'))).toHaveLength(2);
  });

  it('waits for the network: a send while not registered is not an attempt', async () => {
    h = await startModemHarness();
    await h.session.whenReady();
    h.sim.setNetwork('searching');
    await until(() => h.session.state === 'not-registered', 20_000, 'not-registered');
    const id = await h.gateway.send({ to: '+61404341143', msg: 'after registration' });
    await new Promise((r) => setTimeout(r, 100));
    h.sim.setNetwork('registered');
    expect(await h.finished(id)).toBe('done');
    const t = await h.gateway.queue.get('sms', id);
    expect(t.attempts).toHaveLength(1);
  }, 30_000);

  it('survives garbage on the line', async () => {
    h = await startModemHarness();
    await h.session.whenReady();
    h.sim.injectGarbage();
    const id = await h.gateway.send({ to: '+61404341143', msg: 'through the noise' });
    h.sim.injectGarbage();
    expect(await h.finished(id)).toBe('done');
  });
});

describe('built-in worker: storage full', () => {
  it('drains a full modem storage into the inbox, after which new SMS arrive again', async () => {
    h = await startModemHarness({ listingIntervalMs: 200 });
    await h.session.whenReady();
    const storage = h.session.receiveStorage ?? 'ME';
    h.sim.fillStorage(storage);
    const capacity = h.sim.storage.memory(storage).used;
    expect(h.sim.storage.memory(storage).full).toBe(true);
    await until(() => h.gateway.queue.store.inbox.length >= 1 && h.sim.storage.memory(storage).used === 0, 10_000, 'storage drained');
    // every filler message has the same text and sender but its own slot and timestamp: each is kept
    expect(h.gateway.queue.store.inbox.length).toBeGreaterThan(0);
    expect(h.gateway.queue.store.inbox.length).toBeLessThanOrEqual(capacity);
    h.sim.injectIncoming({ from: '+61404341143', text: 'after the storage was full' });
    await until(async () => {
      const all = await Promise.all(h.gateway.queue.store.inbox.map((m) => h.gateway.queue.store.readInbox(m)));
      return all.some((e) => e.msg === 'after the storage was full');
    }, 5000, 'new SMS stored');
  });
});
