import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { isKatarError } from '../../src/errors.js';
import { SendIntake } from '../../src/gateway/send-intake.js';
import type { FileQueue } from '../../src/queue/file-queue.js';
import { openQueue } from '../helpers/queue-fixture.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function queue(): Promise<FileQueue> {
  const o = await openQueue();
  closers.push(o.close);
  return o.q;
}

/** What the config below gives intake: three modems, a group, two overlapping prefix routes. */
const config = parseConfig({
  modems: [
    { name: 'telstra', path: 'sim' },
    { name: 'optus', path: 'sim' },
    { name: 'vodafone', path: 'sim' },
  ],
  modemGroups: { au: ['telstra', 'optus'] },
  routes: [
    { prefix: '+614', modems: ['au'] },
    { prefix: '+6140', modems: ['telstra'] },
  ],
});
const routing = { modemGroups: config.modemGroups, routes: config.routes, modems: config.modems.map((m) => m.name) };

function codeAndField(err: unknown): [string, unknown] | unknown {
  return isKatarError(err) ? [err.code, err.details?.field, err.message] : err;
}

describe('routing at intake', () => {
  it('via a modem: only it; via a group: its modems; the choice is stored with the task', async () => {
    const intake = new SendIntake(await queue(), { maxParts: 10, routing });
    const [one, group] = await intake.submit('sms', [
      { to: '+4915112345678', msg: 'a', via: 'vodafone' },
      { to: '+4915112345678', msg: 'b', via: 'au' },
    ]);
    expect(one!.task).toMatchObject({ via: 'vodafone', modems: ['vodafone'] });
    expect(group!.task).toMatchObject({ via: 'au', modems: ['telstra', 'optus'] });
  });

  it('by destination prefix, the longest prefix winning; via overrides the route; no route: any worker', async () => {
    const intake = new SendIntake(await queue(), { maxParts: 10, routing });
    const results = await intake.submit('sms', [
      { to: '+61404123456', msg: 'telstra prefix' },
      { to: '+61412345678', msg: 'au prefix' },
      { to: '+61404123456', msg: 'pinned elsewhere', via: 'vodafone' },
      { to: '+4915112345678', msg: 'no route' },
    ]);
    const [longest, shorter, via, none] = results.map((r) => r.task);
    expect(longest!.modems).toEqual(['telstra']);
    expect(longest!.via).toBeUndefined();
    expect(shorter!.modems).toEqual(['telstra', 'optus']);
    expect(via!.modems).toEqual(['vodafone']);
    expect(none!.modems).toBeUndefined();
  });

  it('refuses an unknown modem or group with VALIDATION naming via (in a batch: messages[i].via), and stores nothing', async () => {
    const q = await queue();
    const intake = new SendIntake(q, { maxParts: 10, routing });
    const err = await intake.submit('sms', [{ to: '+61404123456', msg: 'x', via: 'nope' }]).catch((e: unknown) => e);
    expect(codeAndField(err)).toEqual(['VALIDATION', 'via', 'via "nope" is neither a modem nor a modem group of this gateway (modems: telstra, optus, vodafone; groups: au)']);
    const batch = await intake.submit('sms', [{ to: '+61404123456', msg: 'ok' }, { to: '+61404123456', msg: 'x', via: 42 }]).catch((e: unknown) => e);
    expect(codeAndField(batch)).toEqual(['VALIDATION', 'messages[1].via', 'messages[1].via must be the name of a modem or a modem group']);
    expect(q.counts('sms').queued).toBe(0);
  });

  it('a gateway without modems refuses every via (it could never be sent)', async () => {
    const intake = new SendIntake(await queue(), { maxParts: 10 });
    const err = await intake.submit('sms', [{ to: '+61404123456', msg: 'x', via: 'modem0' }]).catch((e: unknown) => e);
    expect(codeAndField(err)).toEqual(['VALIDATION', 'via', 'via "modem0" is neither a modem nor a modem group of this gateway (no modem is configured)']);
  });
});

describe('routing in the lease: bounded by lanes, not by backlog', () => {
  it("20,000 tasks pinned to one modem cost another modem's lease nothing", async () => {
    const q = await queue();
    const pinned = Array.from({ length: 20_000 }, (_, i) => ({ data: { to: '+61404000000', msg: `p${i}` }, parts: 1, priority: 10, modems: ['a'] }));
    await q.add('sms', pinned);
    const [free] = await q.add('sms', [{ data: { to: '+61404000001', msg: 'free' }, parts: 1 }]);
    // A scan past the pinned backlog would be 20,000 steps per call: 10,000 calls, minutes.
    const t0 = performance.now();
    for (let i = 0; i < 10_000; i++) expect(q.nextPriority('sms', { modem: 'b' })).toBe(0);
    expect(performance.now() - t0).toBeLessThan(2_000);
    const [got] = await q.lease('sms', 'wb', 1, undefined, { modem: 'b' });
    expect(got!._id).toBe(free!.task._id);
    expect(await q.lease('sms', 'wb', 1, undefined, { modem: 'b' })).toEqual([]);
    const [forA] = await q.lease('sms', 'wa', 1, undefined, { modem: 'a' });
    expect(forA!.data.msg).toBe('p0');
  });
});

describe('config: modemGroups and routes', () => {
  const modems = [
    { name: 'a', path: 'sim' },
    { name: 'b', path: 'sim' },
  ];
  function configError(raw: Record<string, unknown>): unknown {
    try {
      parseConfig({ modems, ...raw });
      return 'accepted';
    } catch (err) {
      return isKatarError(err) ? [err.details?.key, err.message] : err;
    }
  }

  it('reads groups and routes, expanding groups named in a route', () => {
    const c = parseConfig({ modems, modemGroups: { both: ['a', 'b'] }, routes: [{ prefix: '+49', modems: ['both'] }, { prefix: '+4915', modems: ['b', 'a', 'b'] }] });
    expect({ ...c.modemGroups }).toEqual({ both: ['a', 'b'] });
    expect(c.routes).toEqual([
      { prefix: '+49', modems: ['a', 'b'] },
      { prefix: '+4915', modems: ['b', 'a'] },
    ]);
    expect(parseConfig({}).routes).toEqual([]);
    // A parsed config parses again to itself (`serve` re-reads it with the flags applied).
    expect(parseConfig({ ...c }).routes).toEqual(c.routes);
    expect({ ...parseConfig({ ...c }).modemGroups }).toEqual({ both: ['a', 'b'] });
  });

  it.each([
    [{ modemGroups: { g: ['c'] } }, 'modemGroups.g[0]', 'config: modemGroups.g[0] "c" is not a configured modem (modems: a, b)'],
    [{ modemGroups: { a: ['b'] } }, 'modemGroups.a', `config: modemGroups.a has the name of a modem; a send's "via" names either, so they must differ`],
    [{ modemGroups: { g: [] } }, 'modemGroups.g', 'config: modemGroups.g must be a non-empty array of modem names'],
    [{ modemGroups: { constructor: ['a'] } }, 'modemGroups.constructor', 'config: modemGroups.constructor is a reserved name; choose another group name'],
    [{ routes: [{ prefix: '6140', modems: ['a'] }] }, 'routes[0].prefix', 'config: routes[0].prefix must be "+" and 1-15 digits, the start of E.164 numbers (e.g. "+6140")'],
    [{ routes: [{ prefix: '+61', modems: ['a'] }, { prefix: '+61', modems: ['b'] }] }, 'routes[1].prefix', 'config: routes[1].prefix repeats "+61"'],
    [{ routes: [{ prefix: '+61', modems: ['x'] }] }, 'routes[0].modems[0]', 'config: routes[0].modems[0] "x" is neither a configured modem nor a group (modems: a, b; groups: none)'],
    [{ routes: [{ prefix: '+61', modem: 'a' }] }, 'routes[0].modem', 'config: routes[0].modem is not a known option (known here: prefix, modems)'],
  ])('refuses %j naming the key', (raw, key, message) => {
    expect(configError(raw)).toEqual([key, message]);
  });
});
