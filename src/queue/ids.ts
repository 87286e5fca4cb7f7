import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const CODES = Array.from(ALPHABET, (c) => c.charCodeAt(0));
/** Largest time a 48-bit field holds (year 10889). */
const MAX_TIME = 2 ** 48 - 1;
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

// Random bytes are taken from a pool refilled 256 ids at a time: one randomFillSync per
// 4 KiB instead of one crypto call per id (a batch of 1000 sends made 1000 of them).
const pool = Buffer.alloc(RANDOM_CHARS * 256);
let poolAt = pool.length;
/** One id's character codes, reused: the id is built in one flat string, not by concatenation. */
const codes = new Array<number>(TIME_CHARS + RANDOM_CHARS).fill(0);

/**
 * Unique, roughly time-ordered ids (48-bit millisecond time + 80 random bits, Crockford
 * base32, 26 characters, like a ULID). Sortable so that logs and files read in order.
 *
 * `now` may come from outside (the `receivedAt` of a received SMS, a modem clock at 1970
 * or before): a time outside the 48-bit field is clamped to its ends and a non-finite one
 * counts as 0, so the id is always 26 characters of the alphabet. Uniqueness rests on the
 * random part, never on the time.
 */
export function newId(now: number = Date.now()): string {
  let t = Number.isFinite(now) ? Math.min(MAX_TIME, Math.max(0, Math.floor(now))) : 0;
  for (let i = TIME_CHARS - 1; i >= 0; i--) {
    codes[i] = CODES[t % 32]!;
    t = Math.floor(t / 32);
  }
  if (poolAt + RANDOM_CHARS > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  for (let i = 0; i < RANDOM_CHARS; i++) codes[TIME_CHARS + i] = CODES[pool[poolAt + i]! % 32]!;
  poolAt += RANDOM_CHARS; // each pool byte goes into one id only
  return String.fromCharCode(...codes);
}
