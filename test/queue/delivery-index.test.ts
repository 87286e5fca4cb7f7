import { describe, expect, it } from 'vitest';
import { DeliveryIndex, numberKey, sameNumber, type SentPart } from '../../src/queue/delivery-index.js';

const HOUR = 3_600_000;

function setup(): { index: DeliveryIndex; now: { t: number }; send: (taskId: string, modem: string, reference: number, recipient?: string) => SentPart } {
  const now = { t: 10 * HOUR };
  const index = new DeliveryIndex(24 * HOUR, () => now.t);
  const send = (taskId: string, modem: string, reference: number, recipient = '+61404341143'): SentPart => {
    const p: SentPart = { queue: 'sms', taskId, index: 0, modem, reference, recipient, epoch: index.epochFor(modem, reference), sentMono: now.t };
    index.add(p);
    now.t += 1000;
    return p;
  };
  return { index, now, send };
}

describe('delivery index: which part a status report is about', () => {
  it('matches modem, reference and recipient, whatever the number format of the report', () => {
    const { index, send } = setup();
    send('a', 'm0:001', 7, '+4915112345678');
    expect(index.match('m0:001', 7, '015112345678')?.taskId).toBe('a');
    expect(index.match('m0:001', 7, '+4915112345679')).toBeUndefined();
    expect(index.match('m1:002', 7, '+4915112345678')).toBeUndefined();
    expect(index.match('m0:001', 8, '+4915112345678')).toBeUndefined();
  });

  it('prefers the newest part when a reference wrapped around, and forgets parts past the validity period', () => {
    const { index, now, send } = setup();
    send('old', 'm0:001', 5);
    for (let r = 6; r < 256 + 5; r++) send(`filler${r}`, 'm0:001', r & 0xff, '+15550000000');
    send('new', 'm0:001', 5);
    expect(index.match('m0:001', 5, '+61404341143')?.taskId).toBe('new');
    now.t += 25 * HOUR;
    expect(index.match('m0:001', 5, '+61404341143')).toBeUndefined();
  });

  it('starts a new epoch when the counter restarts, and never hands a reused reference to a part from before', () => {
    const { index, send } = setup();
    for (let r = 0; r < 4; r++) send(`before${r}`, 'm0:001', r);
    // power cycle: the modem counts from 0 again; only 0 and 1 were issued since
    const n0 = send('after0', 'm0:001', 0, '+15550000000');
    send('after1', 'm0:001', 1, '+15550000000');
    expect(n0.epoch).toBe(1);
    // reference 0 to the old recipient: reissued since the restart, so not the old task's
    expect(index.match('m0:001', 0, '+61404341143')).toBeUndefined();
    expect(index.match('m0:001', 0, '+15550000000')?.taskId).toBe('after0');
    // reference 3 was not issued again: a late report of the old send still finds it
    expect(index.match('m0:001', 3, '+61404341143')?.taskId).toBe('before3');
  });

  it('keeps the epoch while references follow on, as after a gateway restart without a modem power cycle', () => {
    const { index, send } = setup();
    expect(send('a', 'm0:001', 254).epoch).toBe(0);
    expect(send('b', 'm0:001', 255).epoch).toBe(0);
    expect(send('c', 'm0:001', 0).epoch).toBe(0);
    expect(index.match('m0:001', 254, '+61404341143')?.taskId).toBe('a');
  });

  it('compares numbers by their last nine digits and never matches a number without digits', () => {
    const pairs: Array<[string, string]> = [['+4915112345678', '015112345678'], ['1234', '01234'], ['+1234', '1234'], ['', ''], ['VODAFONE', 'VODAFONE'], ['+61404341143', '0404341143']];
    for (const [a, b] of pairs) {
      expect(numberKey(a) !== 0 && numberKey(a) === numberKey(b), `${a} / ${b}`).toBe(sameNumber(a, b));
    }
    const { index, send } = setup();
    send('alpha', 'm0:001', 3, 'VODAFONE');
    expect(index.match('m0:001', 3, 'VODAFONE')).toBeUndefined();
  });

  it('keeps matching across the dropping of expired parts, newest first, and holds only the parts within validity', () => {
    const { index, now, send } = setup();
    // Three days of sends, one every 20 s, to ten recipients in turn: the expired parts at the front are dropped on the way.
    const sends = (72 * HOUR) / 20_000;
    const all: SentPart[] = [];
    const counters = [0, 0];
    for (let i = 0; i < sends; i++) {
      // Two modems, each counting its references on (one epoch each): reference wraps pick the newest part.
      const m = i % 3 ? 0 : 1;
      all.push(send(`t${i}`, m ? 'm1:002' : 'm0:001', counters[m]!++ & 0xff, `+6140434${String(1000 + (i % 10))}`));
      now.t += 19_000;
    }
    // Every part sent in the last day is held (pruning runs every 1,000 adds), none older than 1,000 sends before that.
    const within = all.filter((p) => p.sentMono >= now.t - 24 * HOUR);
    expect(index.size).toBeGreaterThanOrEqual(within.length);
    expect(index.size).toBeLessThanOrEqual(within.length + 1000);
    index.prune();
    expect(index.size).toBe(within.length);
    // Each recent part is found by its modem, reference and recipient, as the newest such part.
    for (const p of within.slice(-600)) {
      const newest = within.filter((q) => q.modem === p.modem && q.reference === p.reference && numberKey(q.recipient) === numberKey(p.recipient)).pop();
      expect(index.match(p.modem, p.reference, p.recipient)).toEqual(newest);
    }
    // The oldest part still held is found; the one before it is not.
    const first = within[0]!;
    expect(index.match(first.modem, first.reference, first.recipient)?.taskId).toBeDefined();
    now.t += 24 * HOUR;
    expect(index.match(first.modem, first.reference, first.recipient)).toBeUndefined();
    index.prune();
    expect(index.size).toBe(0);
    const again = send('after', 'm0:001', 9);
    expect(index.match('m0:001', 9, '+61404341143')).toEqual(again);
  });
});
