import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedModem, startControlApi, type ControlApi } from '../../src/simulator/index.js';
import { callState, ringModem, setUssdAnswers } from '../../src/simulator/behaviours/index.js';
import { flush, wire } from './wire.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function post(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

describe('simulated USSD (AT+CUSD)', () => {
  it('answers OK, then the reply as a +CUSD URC; a menu spans lines and waits for a reply', async () => {
    const sim = new SimulatedModem();
    setUssdAnswers(sim, {}, 1);
    const w = wire(sim);
    await w.send('ATE0\r');
    expect(await w.send('AT+CUSD=1,"*100#",15\r')).toBe('\r\nOK\r\n');
    await pause(10);
    expect(w.take()).toBe('\r\n+CUSD: 0,"Balance: 12.34 EUR. Valid until 2027-01-31",15\r\n');
    await w.send('AT+CUSD=1,"*123#",15\r');
    await pause(10);
    expect(w.take()).toBe('\r\n+CUSD: 1,"Main menu\n1 Balance\n2 Data",15\r\n');
    // A new code while the menu waits is refused; the reply is answered.
    expect(await w.send('AT+CMEE=1;+CUSD=1,"*100#",15\r')).toBe('\r\n+CME ERROR: 3\r\n');
    await w.send('AT+CUSD=1,"1",15\r');
    await pause(10);
    expect(w.take()).toBe('\r\n+CUSD: 0,"Balance: 12.34 EUR",15\r\n');
  });

  it('answers UCS-2 hex with DCS 72, nothing for a silent code, status 4 for an unknown one', async () => {
    const sim = new SimulatedModem();
    setUssdAnswers(sim, {}, 1);
    const w = wire(sim);
    await w.send('ATE0\r');
    await w.send('AT+CUSD=1,"*101#",15\r');
    await pause(10);
    expect(w.take()).toBe('\r\n+CUSD: 0,"04110430043B0430043D0441003A002000310032002C00330034002020BD",72\r\n');
    await w.send('AT+CUSD=1,"*999#",15\r');
    await pause(10);
    expect(w.take()).toBe('');
    await w.send('AT+CUSD=1,"*555#",15\r');
    await pause(10);
    expect(w.take()).toBe('\r\n+CUSD: 4\r\n');
    expect(await w.send('AT+CUSD=2\r')).toBe('\r\nOK\r\n');
  });

  it('refuses USSD without a network (+CME ERROR: 30)', async () => {
    const sim = new SimulatedModem({ network: 'none' });
    const w = wire(sim);
    await w.send('ATE0;+CMEE=1\r');
    expect(await w.send('AT+CUSD=1,"*100#",15\r')).toBe('\r\n+CME ERROR: 30\r\n');
  });
});

describe('simulated incoming calls', () => {
  it('rings with +CLIP once caller id is on, until ATH', async () => {
    const sim = new SimulatedModem();
    const w = wire(sim);
    await w.send('ATE0\r');
    await w.send('AT+CLIP=1\r');
    const call = ringModem(sim, '+61400000001', { everyMs: 20 });
    await flush();
    await pause(50);
    expect(w.take()).toMatch(/^(\r\nRING\r\n\r\n\+CLIP: "\+61400000001",145,,,,0\r\n){2,}$/);
    expect(await w.send('ATH\r')).toBe('\r\nOK\r\n');
    await pause(50);
    expect(w.take()).toBe('');
    expect(call).toMatchObject({ from: '+61400000001', endedBy: 'ATH' });
  });

  it('rings without +CLIP while caller id is off; the caller gives up after its rings (NO CARRIER)', async () => {
    const sim = new SimulatedModem();
    const w = wire(sim);
    await w.send('ATE0\r');
    const call = ringModem(sim, '0412345678', { everyMs: 5, rings: 2 });
    await pause(60);
    expect(w.take()).toBe('\r\nRING\r\n\r\nRING\r\n\r\nNO CARRIER\r\n');
    expect(call).toMatchObject({ rings: 2, endedBy: 'caller' });
    expect(callState(sim).calls).toHaveLength(1);
  });

  it('AT+CHUP ends the call too', async () => {
    const sim = new SimulatedModem();
    const w = wire(sim);
    await w.send('ATE0\r');
    const call = ringModem(sim, '+61400000002', { everyMs: 1000 });
    await flush();
    expect(await w.send('AT+CHUP\r')).toBe('\r\nOK\r\n');
    expect(call.endedBy).toBe('AT+CHUP');
  });
});

describe('control API: calls and USSD answers', () => {
  let api: ControlApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('rings the modem (POST /call), lists calls (GET /calls) and sets USSD answers (POST /ussd)', async () => {
    const sim = new SimulatedModem();
    setUssdAnswers(sim, {}, 1);
    const w = wire(sim);
    await w.send('ATE0\r');
    api = await startControlApi(sim, 0);
    expect(await post(`${api.url}/call`, { from: '+61400000009', everyMs: 1000 })).toMatchObject({ status: 202, json: { ringing: { from: '+61400000009' } } });
    await pause(10);
    expect(w.take()).toBe('\r\nRING\r\n');
    await w.send('ATH\r');
    expect(await (await fetch(`${api.url}/calls`)).json()).toEqual({ calls: [{ from: '+61400000009', rings: 1, endedBy: 'ATH' }] });
    expect((await post(`${api.url}/call`, {})).status).toBe(400);

    expect((await post(`${api.url}/ussd`, { code: '*555#', text: 'Hello', menu: { '1': { text: 'One' } } })).status).toBe(200);
    await w.send('AT+CUSD=1,"*555#",15\r');
    await pause(10);
    expect(w.take()).toBe('\r\n+CUSD: 1,"Hello",15\r\n');
    expect((await post(`${api.url}/ussd`, { code: 'bad', text: 'x' })).status).toBe(400);
    const routes = (await (await fetch(`${api.url}/nope`)).json()) as { routes: string[] };
    expect(routes.routes).toEqual(expect.arrayContaining(['POST /call', 'GET /calls', 'POST /ussd']));
  });
});
