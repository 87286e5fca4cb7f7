import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodePdu, encodeSubmit } from '../../src/modem/pdu/index.js';
import { rig, sent, startUntil } from './session-harness.js';
import type { Rig } from './session-harness.js';

type Stored = { storage: string; index: number; kind: string };

describe('session messages', () => {
  let r: Rig | undefined;
  let stored: Stored[];
  beforeEach(() => {
    vi.useFakeTimers();
    stored = [];
  });
  afterEach(async () => {
    await r?.close();
    r = undefined;
    vi.useRealTimers();
  });

  async function up(...args: Parameters<typeof rig>): Promise<Rig> {
    const x = rig(...args);
    x.session.on('stored', (s) => stored.push(s));
    await startUntil(x, 'ready');
    return x;
  }

  it.each([
    ['generic', 1],
    ['huawei', 0],
  ] as const)('%s: +CMTI -> stored; read, list and remove with index base %i', async (personality, base) => {
    r = await up({ personality, periodicUrcs: false });
    r.sim.injectIncoming({ from: '+31612345678', text: 'hello' });
    r.sim.injectIncoming({ from: '+31612345679', text: 'again' });
    await vi.advanceTimersByTimeAsync(10);
    expect(stored).toEqual([
      { storage: 'ME', index: base, kind: 'sms' },
      { storage: 'ME', index: base + 1, kind: 'sms' },
    ]);
    const one = await r.session.read('ME', base);
    expect(one).toMatchObject({ storage: 'ME', index: base, stat: 0 });
    const decoded = decodePdu(one?.pdu ?? '', { smscIncluded: true });
    expect(decoded).toMatchObject({ type: 'deliver', text: 'hello' });
    const all = await r.session.list();
    expect(all.map((m) => [m.storage, m.index, m.stat])).toEqual([
      ['ME', base, 1],
      ['ME', base + 1, 0],
    ]);
    await r.session.remove('ME', base);
    expect(await r.session.read('ME', base)).toBeUndefined();
    expect((await r.session.list()).map((m) => m.index)).toEqual([base + 1]);
    // Reading the receive memory never needed an AT+CPMS switch.
    expect(sent(r, 'AT+CPMS="')).toHaveLength(1);
  });

  it('indexBase override: first message at 0 on a generic modem', async () => {
    r = await up({ indexBase: 0 });
    r.sim.injectIncoming({ from: '+31612345678', text: 'zero' });
    await vi.advanceTimersByTimeAsync(10);
    expect(stored).toEqual([{ storage: 'ME', index: 0, kind: 'sms' }]);
    expect(await r.session.read('ME', 0)).toBeDefined();
  });

  it.each(['simcom-sim800', 'quectel'] as const)('%s: empty slot answered with a bare OK reads as undefined', async (personality) => {
    r = await up({ personality });
    expect(await r.session.read('ME', 5)).toBeUndefined();
  });

  it('reading another storage switches mem1 once, then back for list()', async () => {
    r = await up();
    r.sim.storage.memory('SM').add({ stat: 1, pdu: '07917238010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37', kind: 'deliver', address: 'x', text: 'x', timestamp: new Date() });
    expect(await r.session.read('SM', 1)).toMatchObject({ storage: 'SM', index: 1, stat: 1 });
    expect(await r.session.read('SM', 1)).toBeDefined();
    expect(r.sim.commands.filter((c) => c === 'AT+CPMS="SM"')).toHaveLength(1);
    await r.session.list();
    expect(r.sim.commands.filter((c) => c === 'AT+CPMS="ME"')).toHaveLength(1);
  });

  it('+CMTI: ,-1 is ignored with a warning', async () => {
    r = await up();
    r.sim.injectUrc('+CMTI: ,-1');
    await vi.advanceTimersByTimeAsync(10);
    expect(stored).toEqual([]);
  });

  it('+CMT routed PDU -> deliver (upper-cased)', async () => {
    r = await up({ quirks: { lowercaseHex: true } });
    const delivered: string[] = [];
    r.session.on('deliver', (p) => delivered.push(p));
    r.sim.settings.cnmi = [2, 2, 0, 0, 0];
    r.sim.injectIncoming({ from: '+31612345678', text: 'routed' });
    await vi.advanceTimersByTimeAsync(10);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatch(/^[0-9A-F]+$/);
    expect(decodePdu(delivered[0] ?? '', { smscIncluded: true })).toMatchObject({ text: 'routed' });
  });

  it('submit sends AT+CMGS=<n> and returns the modem MR', async () => {
    r = await up();
    const [part] = encodeSubmit({ to: '+31612345678', text: 'hi there' });
    const before = vi.fn(async () => {});
    const res = await r.session.submit(part?.hex ?? '', part?.tpduLength ?? 0, before);
    expect(res.mr).toBe(0);
    expect(before).toHaveBeenCalledTimes(1);
    expect(r.sim.sent).toHaveLength(1);
    expect(sent(r, 'AT+CMGS=')).toEqual([`AT+CMGS=${part?.tpduLength}`]);
  });

  it('status reports with ds=2 (a modem without ds=1): +CDSI "SR" -> stored status-report, readable from SR', async () => {
    r = await up({ personality: { name: 'no-direct-reports', base: 'generic', cnmiTest: '+CNMI: (0-3),(0-3),(0-3),(0,2),(0,1)' } }, { statusReports: true });
    expect(r.sim.settings.cnmi[3]).toBe(2);
    expect(r.session.statusReportRouting).toBe('stored');
    const [part] = encodeSubmit({ to: '+31612345678', text: 'report me', requestStatusReport: true });
    await r.session.submit(part?.hex ?? '', part?.tpduLength ?? 0, async () => {});
    await vi.advanceTimersByTimeAsync(10);
    expect(stored).toEqual([{ storage: 'SR', index: 1, kind: 'status-report' }]);
    const sr = await r.session.read('SR', 1);
    expect(decodePdu(sr?.pdu ?? '', { smscIncluded: true })).toMatchObject({ type: 'status-report', messageReference: 0 });
  });

  it('Quectel: status reports routed with ds=1 (+CDS) because +CDSI names the wrong memory', async () => {
    r = await up({ personality: 'quectel' }, { statusReports: true });
    expect(r.sim.settings.cnmi[3]).toBe(1);
    expect(r.session.statusReportRouting).toBe('direct');
    const reports: string[] = [];
    r.session.on('statusReport', (p) => reports.push(p));
    const [part] = encodeSubmit({ to: '+31612345678', text: 'report me', requestStatusReport: true });
    await r.session.submit(part?.hex ?? '', part?.tpduLength ?? 0, async () => {});
    await vi.advanceTimersByTimeAsync(10);
    expect(reports).toHaveLength(1);
    expect(decodePdu(reports[0] ?? '', { smscIncluded: true })).toMatchObject({ type: 'status-report' });
  });

  it('Quectel: a +CDSI "SM" that slips through is announced as SR', async () => {
    r = await up({ personality: 'quectel' }, { statusReports: true });
    r.sim.injectUrc('+CDSI: "SM",0');
    await vi.advanceTimersByTimeAsync(10);
    expect(stored).toEqual([{ storage: 'SR', index: 0, kind: 'status-report' }]);
  });

  it('Huawei lists the storage once after init (messages from before AT+CNMI)', async () => {
    const x = rig({ personality: 'huawei', periodicUrcs: false });
    x.sim.settings.cnmi = [0, 1, 0, 0, 0];
    x.sim.settings.cpms = ['ME', 'ME', 'ME'];
    x.sim.injectIncoming({ from: '+31612345678', text: 'early' });
    x.session.on('stored', (s) => stored.push(s));
    r = x;
    await startUntil(x, 'ready');
    await vi.advanceTimersByTimeAsync(10);
    expect(stored).toEqual([{ storage: 'ME', index: 0, kind: 'sms' }]);
  });
});
