import { describe, expect, it } from 'vitest';
import { HistoryIndex, type HistoryMeta } from '../../src/queue/store/history-index.js';

const meta = (i: number, finishedMs: number): HistoryMeta => ({
  _id: `t${i}`, queue: i % 2 ? 'sms' : 'other', seq: i, status: i % 3 ? 'done' : 'failed',
  finishedAt: new Date(finishedMs).toISOString(), pos: { offset: i * 100, length: 99 }, ...(i % 5 === 0 && { idempotencyKey: `k${i}` }),
});

describe('HistoryIndex', () => {
  it('keeps every entry when a loaded index is taken over and its columns are cut to size', () => {
    const loaded = new HistoryIndex();
    const metas = Array.from({ length: 5000 }, (_, i) => meta(i + 1, 1_700_000_000_000 + i * 7));
    for (const m of metas) loaded.set(m);
    const index = new HistoryIndex();
    index.replaceWith(loaded);
    expect([...index.values()]).toEqual(metas);
    // Room is kept for more: adding past it grows the columns again.
    for (let i = 5001; i <= 8000; i++) index.set(meta(i, 1_800_000_000_000 + i));
    expect(index.size).toBe(8000);
    expect(index.get('t5000')).toEqual(metas[4999]);
    expect(index.get('t8000')).toEqual(meta(8000, 1_800_000_000_000 + 8000));
  });

  it('gives the newest finishedAt from its column, as the metas say', () => {
    const index = new HistoryIndex();
    expect(index.newestFinishedMs()).toBe(-Infinity);
    const times = [1_700_000_300_000, 1_700_000_900_000, 1_700_000_100_000];
    times.forEach((t, i) => index.set(meta(i + 1, t)));
    expect(index.newestFinishedMs()).toBe(Math.max(...[...index.values()].map((m) => Date.parse(m.finishedAt))));
    // Re-adding an id overwrites its slot: the older time no longer counts.
    index.set(meta(2, 1_700_000_200_000));
    expect(index.newestFinishedMs()).toBe(1_700_000_300_000);
  });
});
