/**
 * Status-report bookkeeping kept while the store cannot write: tried again oldest first,
 * nothing overtakes what waits, a refusal no retry changes drops only that record, the
 * limit drops the oldest, and a stop says what is lost.
 */
import { describe, expect, it } from 'vitest';
import { KatarError } from '../../src/errors.js';
import { DeliveryBacklog } from '../../src/worker/delivery-backlog.js';
import { captureLogger } from '../helpers/memory-event-log.js';
import { until } from '../helpers/modem-harness.js';

/** A store that refuses every write while `down`, and lists what it took. */
function store() {
  const s = {
    down: false,
    took: [] as string[],
    write: (what: string) => async (): Promise<void> => {
      if (s.down) throw new KatarError('STORE_UNAVAILABLE', 'the queue database cannot be reached: connection refused');
      s.took.push(what);
    },
  };
  return s;
}

const FAST = { initialMs: 10, maxMs: 40 };

describe('DeliveryBacklog', () => {
  it('writes at once while the store writes', async () => {
    const s = store();
    const b = new DeliveryBacklog({ retry: FAST });
    await b.submit('part 1', s.write('part 1'));
    expect(s.took).toEqual(['part 1']);
    expect(b.size).toBe(0);
  });

  it('keeps what the store refuses and what comes after it, and writes them in order once it can', async () => {
    const s = store();
    const { logger, lines } = captureLogger();
    const b = new DeliveryBacklog({ retry: FAST, logger });
    s.down = true;
    await b.submit('part 1', s.write('part 1'));
    await b.submit('part 2', s.write('part 2'));
    s.down = false;
    // The store writes again, but the report of part 1 must not overtake its part.
    await b.submit('report 1', s.write('report 1'));
    expect(s.took).toEqual([]);
    expect(b.size).toBe(3);
    await until(() => b.size === 0, 2000, 'the backlog drained');
    expect(s.took).toEqual(['part 1', 'part 2', 'report 1']);
    expect(lines.some((l) => l.includes('kept in memory'))).toBe(true);
    expect(lines.some((l) => l.includes('"recorded":3') && l.includes('the store writes again'))).toBe(true);
    await b.submit('part 3', s.write('part 3'));
    expect(s.took.at(-1)).toBe('part 3');
  });

  it('a record submitted while an earlier one is still being written waits for it (a stalled store)', async () => {
    const took: string[] = [];
    let refuse!: (err: Error) => void;
    let calls = 0;
    const b = new DeliveryBacklog({ retry: FAST });
    // Part 1 hangs on the first try (the store stalls), then is refused; later it is taken.
    const part1 = (): Promise<void> => (calls++ === 0 ? new Promise<void>((_resolve, reject) => (refuse = reject)) : Promise.resolve(void took.push('part 1')));
    const first = b.submit('part 1', part1);
    const second = b.submit('report 1', async () => void took.push('report 1'));
    await new Promise((r) => setTimeout(r, 30));
    expect(took).toEqual([]);
    refuse(new KatarError('STORE_UNAVAILABLE', 'the queue database cannot be reached: no answer'));
    await Promise.all([first, second]);
    await until(() => b.size === 0, 2000, 'drained');
    expect(took).toEqual(['part 1', 'report 1']);
  });

  it('goes on trying while the store stays down, with backoff', async () => {
    const s = store();
    let tries = 0;
    const b = new DeliveryBacklog({ retry: FAST });
    s.down = true;
    await b.submit('part 1', async () => {
      tries++;
      await s.write('part 1')();
    });
    await until(() => tries >= 4, 2000, 'tried again several times');
    s.down = false;
    await until(() => b.size === 0, 2000, 'drained');
    expect(s.took).toEqual(['part 1']);
  });

  it('a refusal that no retry changes: rejected at once when nothing waits; dropped alone when it waited', async () => {
    const s = store();
    const b = new DeliveryBacklog({ retry: FAST, logger: captureLogger().logger });
    const refused = (): Promise<void> => Promise.reject(new KatarError('TASK_NOT_FOUND', 'no task 01x'));
    await expect(b.submit('bad', refused)).rejects.toThrow('no task 01x');
    s.down = true;
    await b.submit('part 1', s.write('part 1'));
    await b.submit('bad', refused);
    await b.submit('part 2', s.write('part 2'));
    s.down = false;
    await until(() => b.size === 0, 2000, 'drained');
    expect(s.took).toEqual(['part 1', 'part 2']);
  });

  it('keeps at most `limit`, dropping the oldest; a stop says what is lost', async () => {
    const s = store();
    const { logger, lines } = captureLogger();
    const b = new DeliveryBacklog({ retry: { initialMs: 60_000, maxMs: 60_000 }, limit: 2, logger });
    s.down = true;
    for (const what of ['part 1', 'part 2', 'part 3']) await b.submit(what, s.write(what));
    expect(b.size).toBe(2);
    expect(lines.some((l) => l.includes('the oldest are dropped'))).toBe(true);
    s.down = false;
    await b.flush();
    expect(s.took).toEqual(['part 2', 'part 3']);
    s.down = true;
    await b.submit('part 4', s.write('part 4'));
    await b.flush();
    b.stop();
    expect(b.size).toBe(0);
    expect(lines.some((l) => l.includes('stopping with 1 status-report records the store never took'))).toBe(true);
  });
});
