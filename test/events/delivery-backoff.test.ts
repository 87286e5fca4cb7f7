import { describe, expect, it } from 'vitest';
import { FIRST_RETRY_MS, MAX_RETRY_MS, retryDelayMs } from '../../src/events/delivery-backoff.js';

describe('webhook retry backoff', () => {
  it('starts at about 2 s and doubles up to 5 min', () => {
    const mid = (): number => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 12].map((a) => retryDelayMs(a, mid))).toEqual([2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, MAX_RETRY_MS, MAX_RETRY_MS]);
    expect(FIRST_RETRY_MS).toBe(2000);
    expect(MAX_RETRY_MS).toBe(300_000);
  });

  it('jitters within ±10 % and never beyond the cap', () => {
    expect(retryDelayMs(1, () => 0)).toBe(1800);
    expect(retryDelayMs(1, () => 0.999_999)).toBe(2200);
    for (let a = 1; a < 40; a++) {
      const d = retryDelayMs(a);
      expect(d).toBeGreaterThanOrEqual(1800);
      expect(d).toBeLessThanOrEqual(MAX_RETRY_MS);
    }
  });
});
