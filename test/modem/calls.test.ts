import { afterEach, describe, expect, it } from 'vitest';
import { CallHandler, parseClip, type IncomingCall } from '../../src/modem/calls.js';
import { KatarError } from '../../src/errors.js';
import { ringModem } from '../../src/simulator/behaviours/calls.js';
import { outcome } from '../../src/simulator/index.js';
import { startModemHarness, until, type ModemHarness } from '../helpers/modem-harness.js';

let h: ModemHarness;
afterEach(async () => h?.close());

const events = async (h: ModemHarness, type: string) => (await h.gateway.parts.queue.events.read(0, { limit: 1000 })).events.filter((e) => e.type === type);

describe('+CLIP', () => {
  it('reads the number and its type in the forms modems print', () => {
    expect(parseClip('"+27821231234",145,,,,0')).toEqual({ number: '+27821231234', numberType: 145 });
    expect(parseClip('"0412345678",129')).toEqual({ number: '0412345678', numberType: 129 });
    expect(parseClip('"",128,,,,1')).toEqual({ number: '', numberType: 128 });
  });
});

describe('incoming calls on the built-in worker', () => {
  it('announces the caller as call.incoming and rejects the call with AT+CHUP', async () => {
    h = await startModemHarness();
    await h.session.whenReady();
    await until(() => h.sim.commands.includes('AT+CLIP=1'), 5000, 'caller id on');
    const call = ringModem(h.sim, '+61400000001', { everyMs: 100 });
    await until(() => call.endedBy !== undefined, 5000, 'call ended');
    expect(call.endedBy).toBe('AT+CHUP');
    await until(async () => (await events(h, 'call.incoming')).length === 1, 5000, 'call.incoming');
    expect((await events(h, 'call.incoming'))[0]?.data).toEqual({ modem: 'sim0', from: '+61400000001', rejected: true });
  });

  it('falls back to ATH where the modem refuses AT+CHUP', async () => {
    h = await startModemHarness();
    await h.session.whenReady();
    h.sim.use({ name: 'no-chup', match: (c) => c.name === '+CHUP', handle: () => outcome.error() });
    const call = ringModem(h.sim, '+61400000002', { everyMs: 100 });
    await until(() => call.endedBy !== undefined, 5000, 'call ended');
    expect(call.endedBy).toBe('ATH');
  });

  it('loses no SMS that arrives while a call rings, its RING and +CLIP in the middle of the read', async () => {
    h = await startModemHarness();
    await h.session.whenReady();
    await until(() => h.sim.commands.includes('AT+CLIP=1'), 5000, 'caller id on');
    const received: string[] = [];
    h.gateway.on('sms', (m) => received.push(m.msg));
    // The call's first RING lands inside the AT+CMGR answer of the message.
    h.sim.on('command', function slip(line: string) {
      if (!line.startsWith('AT+CMGR')) return;
      h.sim.off('command', slip);
      h.sim.injectUrcInNextResponse('RING');
      h.sim.injectUrcInNextResponse('+CLIP: "+61400000003",145,,,,0');
    });
    h.sim.injectIncoming({ from: '+61404341143', text: 'during a call' });
    const call = ringModem(h.sim, '+61400000003', { everyMs: 100 });
    await until(() => received.length === 1, 5000, 'SMS received');
    expect(received).toEqual(['during a call']);
    await until(() => call.endedBy !== undefined, 5000, 'call ended');
    await until(async () => (await events(h, 'call.incoming')).length >= 1, 5000, 'call.incoming');
    expect((await events(h, 'call.incoming')).map((e) => e.data.from)).toEqual(['+61400000003']);
    expect(h.sim.storage.memory('SM').used + h.sim.storage.memory('ME').used).toBe(0);
  });
});

describe('CallHandler', () => {
  const log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  function fakeSession(refuse: string[] = []) {
    const commands: string[] = [];
    const listeners = new Map<string, (...a: unknown[]) => void>();
    return {
      commands,
      name: 'fake',
      quirks: {},
      control: async (c: string) => {
        commands.push(c);
        if (refuse.includes(c)) throw new KatarError('MODEM_ERROR', 'ERROR');
        return { lines: [], final: 'OK' };
      },
      on: (e: string, l: (...a: unknown[]) => void) => listeners.set(e, l),
      off: (e: string) => listeners.delete(e),
      emit: (e: string, ...a: unknown[]) => listeners.get(e)?.(...a),
    };
  }

  it('leaves the call ringing when calls.reject is false, and announces it once per call', async () => {
    const s = fakeSession();
    const calls: IncomingCall[] = [];
    const handler = new CallHandler(s as never, { reject: false, onCall: (c) => calls.push(c), log, quietMs: 50, clipWaitMs: 10 });
    handler.start();
    s.emit('call', { kind: 'ring' });
    s.emit('call', { kind: 'caller', number: '61400000004', numberType: 145 });
    s.emit('call', { kind: 'ring' });
    s.emit('call', { kind: 'caller', number: '61400000004', numberType: 145 });
    expect(calls).toEqual([{ from: '+61400000004', rejected: false }]);
    expect(s.commands).toEqual([]);
    await new Promise((r) => setTimeout(r, 80));
    s.emit('call', { kind: 'ring' });
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual({ from: '', rejected: false });
    handler.stop();
  });

  it('announces a call without caller id after clipWaitMs', async () => {
    const s = fakeSession();
    const calls: IncomingCall[] = [];
    const handler = new CallHandler(s as never, { onCall: (c) => calls.push(c), log, clipWaitMs: 10 });
    handler.start();
    s.emit('call', { kind: 'ring' });
    await new Promise((r) => setTimeout(r, 40));
    expect(calls).toEqual([{ from: '', rejected: true }]);
    expect(s.commands).toEqual(['AT+CHUP']);
    handler.stop();
  });
});
