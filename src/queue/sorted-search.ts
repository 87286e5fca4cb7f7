/**
 * Index of the first of `length` entries, sorted by ascending key, whose key is greater
 * than `k` (`length` when none is): a binary search, `keyAt(i)` the key of entry `i`.
 * For integer keys, the first entry at or after `k` is `firstAbove(length, k - 1, keyAt)`.
 */
export function firstAbove(length: number, k: number, keyAt: (i: number) => number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keyAt(mid) <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
