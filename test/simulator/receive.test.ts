import { describe, expect, it } from 'vitest';
import { decodePdu } from '../../src/modem/pdu/index.js';
import { SimulatedModem, type SimModemOptions } from '../../src/simulator/index.js';
import { flush, wire } from './wire.js';

const T0 = new Date('2024-05-01T12:00:00Z');

async function quiet(opts: SimModemOptions = {}) {
  const sim = new SimulatedModem({ clock: () => T0, ...opts });
  const w = wire(sim);
  await w.send('ATE0;+CMEE=1\r');
  return { sim, w };
}

async function inject(sim: SimulatedModem, from: string, text: string, extra = {}) {
  const stored = sim.injectIncoming({ from, text, ...extra });
  await flush();
  return stored;
}

describe('incoming messages', () => {
  it('mt=1: stores and announces +CMTI with 1-based indices', async () => {
    const { sim, w } = await quiet();
    await inject(sim, '+15551234567', 'one');
    await inject(sim, '+15551234567', 'two');
    expect(w.take()).toBe('\r\n+CMTI: "SM",1\r\n\r\n+CMTI: "SM",2\r\n');
  });

  it('Huawei numbers storage from 0', async () => {
    const { sim, w } = await quiet({ personality: 'huawei', periodicUrcs: false });
    await w.send('AT+CNMI=2,1,0,2,0\r');
    await inject(sim, '+15551234567', 'hi');
    expect(w.take()).toBe('\r\n+CMTI: "SM",0\r\n');
  });

  it('mt=2: routes +CMT: ,<len> and the PDU without storing', async () => {
    const { sim, w } = await quiet();
    expect(await w.send('AT+CNMI=2,2,0,0,0\r')).toBe('\r\nOK\r\n');
    await inject(sim, '+15551234567', 'routed');
    const m = /^\r\n\+CMT: ,(\d+)\r\n([0-9A-F]+)\r\n$/.exec(w.take());
    expect(m).not.toBeNull();
    const pdu = m?.[2] ?? '';
    expect(Number(m?.[1])).toBe(pdu.length / 2 - 1 - parseInt(pdu.slice(0, 2), 16));
    expect(decodePdu(pdu, { smscIncluded: true })).toMatchObject({ type: 'deliver', sender: '+15551234567', text: 'routed' });
    expect(sim.storage.memory('SM').used).toBe(0);
  });

  it('multipart incoming: one +CMTI per part', async () => {
    const { sim, w } = await quiet();
    const stored = await inject(sim, '+15551234567', 'x'.repeat(300), { concatReference: 0x42 });
    expect(stored).toHaveLength(2);
    expect(w.take()).toBe('\r\n+CMTI: "SM",1\r\n\r\n+CMTI: "SM",2\r\n');
    expect(stored.map((s) => decodePdu(s.pdu, { smscIncluded: true }))).toMatchObject([
      { concat: { reference: 0x42, total: 2, sequence: 1 } },
      { concat: { reference: 0x42, total: 2, sequence: 2 } },
    ]);
  });

  it('quirks: duplicate CMTI, CMT plus CMTI, suppressed URC, CMTI ,-1', async () => {
    const dup = await quiet({ quirks: { duplicateCmti: true } });
    await inject(dup.sim, '+1555', 'a');
    expect(dup.w.take()).toBe('\r\n+CMTI: "SM",1\r\n\r\n+CMTI: "SM",1\r\n');

    const both = await quiet({ quirks: { cmtAndCmti: true } });
    await both.w.send('AT+CNMI=2,2,0,0,0\r');
    await inject(both.sim, '+1555', 'a');
    expect(both.w.take()).toMatch(/^\r\n\+CMT: ,\d+\r\n[0-9A-F]+\r\n\r\n\+CMTI: "SM",1\r\n$/);

    const hidden = await quiet({ quirks: { suppressIncomingUrc: true } });
    await inject(hidden.sim, '+1555', 'only CMGL finds me');
    expect(hidden.w.take()).toBe('');
    expect(await hidden.w.send('AT+CMGL=4\r')).toMatch(/^\r\n\+CMGL: 1,0,,\d+\r\n[0-9A-F]+\r\n\r\nOK\r\n$/);

    const lost = await quiet({ quirks: { cmtiMinusOne: true } });
    await inject(lost.sim, '+1555', 'a');
    expect(lost.w.take()).toBe('\r\n+CMTI: ,-1\r\n');
    expect(lost.sim.storage.memory('SM').used).toBe(0);
  });

  it('lower-case hex quirk (SIMCom A7608E)', async () => {
    const { sim, w } = await quiet({ quirks: { lowercaseHex: true } });
    await w.send('AT+CNMI=2,2,0,0,0\r');
    await inject(sim, '+1555', 'a');
    expect(w.take()).toMatch(/^\r\n\+CMT: ,\d+\r\n[0-9a-f]+\r\n$/);
  });
});

describe('reading, listing and deleting', () => {
  it('AT+CMGR prints stat,,length then the PDU and marks the message read', async () => {
    const { sim, w } = await quiet();
    const [s] = await inject(sim, '+15551234567', 'hello');
    const len = (s?.pdu.length ?? 0) / 2 - 1 - parseInt(s?.pdu.slice(0, 2) ?? '0', 16);
    expect(await w.send('AT+CMGR=1\r')).toBe(`\r\n+CMGR: 0,,${len}\r\n${s?.pdu}\r\n\r\nOK\r\n`);
    expect(await w.send('AT+CMGR=1\r')).toBe(`\r\n+CMGR: 1,,${len}\r\n${s?.pdu}\r\n\r\nOK\r\n`);
  });

  it('header and empty-slot personalities', async () => {
    const telit = await quiet({ personality: { name: 'telit-like', cmgrHeader: 'empty-alpha', emptySlot: 'ok' } });
    await inject(telit.sim, '+1555', 'a');
    expect(await telit.w.send('AT+CMGR=1\r')).toMatch(/^\r\n\+CMGR: 0,"",\d+\r\n[0-9A-F]+\r\n\r\nOK\r\n$/);
    expect(await telit.w.send('AT+CMGR=2\r')).toBe('\r\nOK\r\n');
    const zte = await quiet({ personality: { name: 'zte-like', cmgrHeader: 'no-stat', emptySlot: 'cmgr-0-0' } });
    await inject(zte.sim, '+1555', 'a');
    expect(await zte.w.send('AT+CMGR=1\r')).toMatch(/^\r\n\+CMGR: ,,\d+\r\n/);
    expect(await zte.w.send('AT+CMGR=2\r')).toBe('\r\n+CMGR: 0,,0\r\n\r\nOK\r\n');
    const generic = await quiet();
    expect(await generic.w.send('AT+CMGR=2\r')).toBe('\r\n+CMS ERROR: 321\r\n');
    expect(await generic.w.send('AT+CMGR=31\r')).toBe('\r\n+CMS ERROR: 321\r\n');
  });

  it('AT+CMGL=4 lists all; =0 only unread; "ALL" is ERROR in PDU mode', async () => {
    const { sim, w } = await quiet();
    await inject(sim, '+1555', 'a');
    await inject(sim, '+1555', 'b');
    await w.send('AT+CMGR=1\r');
    expect(await w.send('AT+CMGL=0\r')).toMatch(/^\r\n\+CMGL: 2,0,,\d+\r\n[0-9A-F]+\r\n\r\nOK\r\n$/);
    expect(await w.send('AT+CMGL=4\r')).toMatch(/^\r\n\+CMGL: 1,1,,\d+\r\n[0-9A-F]+\r\n\+CMGL: 2,1,,\d+\r\n[0-9A-F]+\r\n\r\nOK\r\n$/);
    expect(await w.send('AT+CMGL="ALL"\r')).toBe('\r\nERROR\r\n');
  });

  it('text mode CMGL/CMGR', async () => {
    const { sim, w } = await quiet();
    await inject(sim, '+27748577604', 'Hello raspberry pi');
    await w.send('AT+CMGF=1\r');
    expect(await w.send('AT+CMGL=4\r')).toBe('\r\nERROR\r\n');
    expect(await w.send('AT+CMGL="ALL"\r')).toBe('\r\n+CMGL: 1,"REC UNREAD","+27748577604",,"24/05/01,12:00:00+00"\r\nHello raspberry pi\r\n\r\nOK\r\n');
    expect(await w.send('AT+CMGR=1\r')).toBe('\r\n+CMGR: "REC READ","+27748577604",,"24/05/01,12:00:00+00"\r\nHello raspberry pi\r\n\r\nOK\r\n');
  });

  it('AT+CMGD by index and by delflag, and AT+CMGD=?', async () => {
    const { sim, w } = await quiet();
    for (const t of ['a', 'b', 'c', 'd']) await inject(sim, '+1555', t);
    await w.send('AT+CMGR=1\r');
    await w.send('AT+CMGR=2\r');
    expect(await w.send('AT+CMGD=?\r')).toBe('\r\n+CMGD: (1,2,3,4),(0-4)\r\n\r\nOK\r\n');
    expect(await w.send('AT+CMGD=3\r')).toBe('\r\nOK\r\n');
    expect(await w.send('AT+CMGD=1,1\r')).toBe('\r\nOK\r\n'); // all read
    expect(await w.send('AT+CMGD=?\r')).toBe('\r\n+CMGD: (4),(0-4)\r\n\r\nOK\r\n');
    expect(await w.send('AT+CMGD=1,4\r')).toBe('\r\nOK\r\n');
    expect(await w.send('AT+CMGD=?\r')).toBe('\r\n+CMGD: (),(0-4)\r\n\r\nOK\r\n');
    expect(await w.send('AT+CMGD=99\r')).toBe('\r\n+CMS ERROR: 321\r\n');
  });
});

describe('storage', () => {
  it('CPMS counters follow the storage; capacity from options', async () => {
    const { sim, w } = await quiet({ storageCapacity: 5 });
    await inject(sim, '+1555', 'a');
    expect(await w.send('AT+CPMS?\r')).toBe('\r\n+CPMS: "SM",1,5,"SM",1,5,"SM",1,5\r\n\r\nOK\r\n');
    expect(await w.send('AT+CPMS="ME","ME","ME"\r')).toBe('\r\n+CPMS: 0,50,0,50,0,50\r\n\r\nOK\r\n');
    expect(await w.send('AT+CPMS="XX"\r')).toBe('\r\n+CMS ERROR: 302\r\n');
  });

  it('full storage: Huawei says ^SMMEMFULL and drops the message; CMGW gets +CMS ERROR: 322', async () => {
    const { sim, w } = await quiet({ personality: 'huawei', periodicUrcs: false, storageCapacity: 3 });
    await w.send('AT+CNMI=2,1,0,2,0\r');
    sim.fillStorage();
    expect(sim.storage.memory('SM').used).toBe(3);
    await inject(sim, '+1555', 'lost');
    expect(w.take()).toBe('\r\n^SMMEMFULL: "SM"\r\n');
    expect(sim.counters.incomingDropped).toBe(1);
    await w.send('AT+CMGW=24\r');
    expect(await w.send('0001000B917228001011F100000CC8329BFD065DDF72363904\x1a')).toBe('\r\n+CMS ERROR: 322\r\n\r\n');
  });

  it('csmpClearsSmsc quirk: AT+CSMP= wipes the stored SMSC, which stays without the quirk', async () => {
    const plain = await quiet();
    await plain.w.send('AT+CSMP=17,167,0,0\r');
    expect(await plain.w.send('AT+CSCA?\r')).toBe('\r\n+CSCA: "+31624000000",145\r\n\r\nOK\r\n');
    const { w } = await quiet({ quirks: { csmpClearsSmsc: true } });
    expect(await w.send('AT+CSMP=17,167,0,0\r')).toBe('\r\nOK\r\n');
    expect(await w.send('AT+CSCA?\r')).toBe('\r\n+CMS ERROR: 330\r\n');
  });

  it('sendFailsWhenFull quirk: AT+CMGS answers +CMS ERROR: 322', async () => {
    const { sim, w } = await quiet({ storageCapacity: 1, quirks: { sendFailsWhenFull: true } });
    sim.fillStorage();
    await w.send('AT+CMGS=24\r');
    expect(await w.send('0001000B917228001011F100000CC8329BFD065DDF72363904\x1a')).toBe('\r\n+CMS ERROR: 322\r\n');
  });
});
