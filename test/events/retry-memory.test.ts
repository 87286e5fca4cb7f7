/**
 * RetryMemory against a store it cannot always read: an unreadable store is asked again
 * (not taken for "no attempts"), and a box that gains a claim clears what another box
 * left, at its next settle.
 */
import { describe, expect, it } from 'vitest';
import { RetryMemory } from '../../src/events/retry-memory.js';
import { captureLogger, MemoryProgress } from '../helpers/memory-event-log.js';

describe('RetryMemory', () => {
  it('a store it cannot read now gives no answer, and the next read gives the kept count', async () => {
    const progress = new MemoryProgress();
    await progress.saveRetry('crm', { eventId: 7, attempts: 9, sinceMs: 1000 });
    let down = true;
    const flaky = Object.assign(Object.create(progress) as MemoryProgress, {
      loadRetry: (name: string) => (down ? Promise.reject(new Error('connection terminated')) : progress.loadRetry(name)),
    });
    const memory = new RetryMemory(flaky, 'crm', captureLogger().logger);
    expect(await memory.before(7, 5000)).toBeUndefined();
    down = false;
    expect(await memory.before(7, 5000)).toEqual({ attempts: 9, sinceMs: 1000 });
    expect(await memory.before(8, 5000)).toEqual({ attempts: 0, sinceMs: 5000 });
  });

  it('after a claim is gained, a settle clears a retry another box wrote', async () => {
    const progress = new MemoryProgress();
    const memory = new RetryMemory(progress, 'crm', captureLogger().logger);
    await memory.settled(); // nothing was kept: clears nothing, and from now on knows it
    await progress.saveRetry('crm', { eventId: 7, attempts: 3, sinceMs: 1000 }); // another box, meanwhile
    await memory.settled();
    expect(await progress.loadRetry('crm')).toEqual({ eventId: 7, attempts: 3, sinceMs: 1000 });
    memory.mayHold();
    await memory.settled();
    expect(await progress.loadRetry('crm')).toBeUndefined();
  });
});
