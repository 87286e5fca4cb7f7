import { describe, expect, it } from 'vitest';
import type { Logger } from '../src/log.js';
import { afterFullCollections, trimMemory } from '../src/memory-trim.js';

describe('trimMemory', () => {
  it('runs the memory-reducing collection and says so at debug', async () => {
    const lines: Array<{ fields: unknown; msg: string }> = [];
    const logger = { debug: (fields: unknown, msg: string) => lines.push({ fields, msg }) } as unknown as Logger;
    await trimMemory(logger);
    expect(lines).toEqual([{ msg: 'start-up memory given back', fields: { rssBeforeMb: expect.any(Number), rssAfterMb: expect.any(Number), ms: expect.any(Number) } }]);
  });

  it('runs a function after each full collection, once per turn, until stopped', async () => {
    const quiet = { debug: () => undefined } as unknown as Logger;
    let runs = 0;
    const stop = afterFullCollections(() => runs++);
    await trimMemory(quiet);
    // The observer is told after the collection, the function runs on the turn after that.
    await new Promise((r) => setTimeout(r, 50));
    expect(runs).toBe(1);
    stop();
    await trimMemory(quiet);
    await new Promise((r) => setTimeout(r, 50));
    expect(runs).toBe(1);
  });
});
