import { describe, expect, it } from 'vitest';
import { newId } from '../../src/queue/ids.js';

const ID = /^[0-9abcdefghjkmnpqrstvwxyz]{26}$/;

/** An id for any time, including a modem clock at 1970 or before: never "undefined...". */
describe('newId', () => {
  it.each([Date.UTC(1969, 11, 31), -1, -8.64e15, 0, 1.5, 2 ** 48 - 1, 2 ** 48, 8.64e15, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('makes a valid id for time %d', (t) => {
    const id = newId(t);
    expect(id).toMatch(ID);
  });

  it('keeps ids in time order, before and after 1970 alike (clamped at 0)', () => {
    const ids = [newId(-5000), newId(0), newId(1), newId(Date.UTC(2026, 0, 1)), newId(2 ** 48 - 1)];
    expect(ids.map((i) => i.slice(0, 10))).toEqual(['0000000000', '0000000000', '0000000001', ids[3]!.slice(0, 10), '7zzzzzzzzz']);
    const times = ids.map((i) => i.slice(0, 10));
    expect([...times].sort()).toEqual(times);
  });
});
