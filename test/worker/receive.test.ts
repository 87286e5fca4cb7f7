import { afterEach, describe, expect, it } from 'vitest';
import { KatarError } from '../../src/errors.js';
import { startModemHarness, until, type ModemHarness } from '../helpers/modem-harness.js';

let h: ModemHarness;
afterEach(async () => h?.close());

const inbox = (h: ModemHarness) => h.gateway.queue.store.inbox;
const slotsUsed = (h: ModemHarness) => h.sim.storage.memory('SM').used + h.sim.storage.memory('ME').used;

describe('built-in worker: receiving', () => {
  it('relays +CMTI into the inbox and the sms event, then deletes the message from the modem', async () => {
    h = await startModemHarness();
    await h.session.whenReady();
    const events: string[] = [];
    h.gateway.on('sms', (m) => events.push(`${m.from}: ${m.msg}`));
    h.sim.injectIncoming({ from: '+61404341143', text: 'hello gateway' });
    await until(() => events.length === 1, 5000, 'sms event');
    expect(events).toEqual(['+61404341143: hello gateway']);
    await until(() => slotsUsed(h) === 0, 5000, 'deleted from modem');
  });

  it('stores before it deletes: at AT+CMGD the message is already durable in the inbox', async () => {
    h = await startModemHarness();
    await h.session.whenReady();
    const atDelete: number[] = [];
    h.sim.on('command', (line: string) => {
      if (line.startsWith('AT+CMGD')) atDelete.push(inbox(h).length);
    });
    h.sim.injectIncoming({ from: '+61404341143', text: 'keep me' });
    await until(() => atDelete.length > 0, 5000, 'AT+CMGD');
    expect(atDelete[0]).toBe(1);
    // durable: a fresh reader of the data dir sees it
    const { FileStore } = await import('../../src/queue/store/file-store.js');
    const other = await FileStore.open(h.dir);
    expect(other.inbox.length).toBe(1);
    await other.abandon(); // only a reader: the harness's gateway owns the directory
  });

  it('reassembles multipart and Unicode messages', async () => {
    h = await startModemHarness();
    await h.session.whenReady();
    const long = 'Часть сообщения с эмодзи 🎉 '.repeat(6);
    h.sim.injectIncoming({ from: '+4915112345678', text: long, concatReference: 77 });
    await until(() => inbox(h).length === 1, 5000, 'inbox');
    const e = await h.gateway.queue.store.readInbox(inbox(h)[0]!);
    expect(e.msg).toBe(long);
    expect(e.incomplete).toBeUndefined();
    await until(() => slotsUsed(h) === 0, 5000, 'parts deleted');
  });

  it('stores a message announced twice only once', async () => {
    h = await startModemHarness({ sim: { quirks: { duplicateCmti: true } } });
    await h.session.whenReady();
    h.sim.injectIncoming({ from: '+61404341143', text: 'twice announced' });
    await until(() => slotsUsed(h) === 0 && inbox(h).length >= 1, 5000, 'handled');
    await new Promise((r) => setTimeout(r, 100));
    expect(inbox(h)).toHaveLength(1);
  });

  it('finds messages whose notification was lost, by listing the storage', async () => {
    h = await startModemHarness({ sim: { quirks: { suppressIncomingUrc: true } }, listingIntervalMs: 100 });
    await h.session.whenReady();
    h.sim.injectIncoming({ from: '+61404341143', text: 'no CMTI for me' });
    await until(() => inbox(h).length === 1, 5000, 'the listing found it');
  });

  it('reads what was stored while the gateway was down, at start', async () => {
    h = await startModemHarness();
    await h.session.whenReady();
    await h.worker.stop();
    await h.session.close();
    h.sim.injectIncoming({ from: '+61404341143', text: 'arrived while stopped' });
    await h.restart();
    await until(() => inbox(h).length === 1, 5000, 'the start-up listing');
  });

  it('delivers a concatenated message with a part missing after the timeout, marked incomplete', async () => {
    h = await startModemHarness({ concatTimeoutMs: 50, listingIntervalMs: 100, sim: { quirks: { suppressIncomingUrc: true } } });
    await h.session.whenReady();
    const stored = h.sim.injectIncoming({ from: '+61404341143', text: 'x'.repeat(400), concatReference: 9 });
    expect(stored.length).toBe(3);
    // the network lost part 2: remove it from the modem's storage before the gateway lists it
    for (const mem of ['SM', 'ME']) h.sim.storage.memory(mem).delete(stored[1]!.index);
    await until(() => inbox(h).length === 1, 5000, 'incomplete delivered');
    const e = await h.gateway.queue.store.readInbox(inbox(h)[0]!);
    expect(e.incomplete).toBe(true);
    expect(e.msg.length).toBe(400 - 153);
  });
  it('leaves a message on the modem while the store cannot write, and stores it once it can', async () => {
    h = await startModemHarness();
    await h.session.whenReady();
    const queue = h.gateway.queue;
    const real = queue.receive.bind(queue);
    let full = true;
    queue.receive = (name, sms) => (full ? Promise.reject(new KatarError('STORAGE_FULL', 'the disk is full')) : real(name, sms));
    const deletes: string[] = [];
    h.sim.on('command', (line: string) => {
      if (line.startsWith('AT+CMGD')) deletes.push(line);
    });
    h.sim.injectIncoming({ from: '+61404341143', text: 'wait for space' });
    await until(() => h.sim.commands.some((c) => c.startsWith('AT+CMGR')), 5000, 'read from the modem');
    await new Promise((r) => setTimeout(r, 200));
    expect(deletes).toEqual([]);
    expect(slotsUsed(h)).toBe(1);
    full = false;
    await h.worker.receive.listStored();
    await until(() => inbox(h).length === 1, 5000, 'stored after space came back');
    await until(() => slotsUsed(h) === 0, 5000, 'deleted from the modem once stored');
  });
});
