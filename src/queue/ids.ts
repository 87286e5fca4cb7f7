import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
/** Largest time a 48-bit field holds (year 10889). */
const MAX_TIME = 2 ** 48 - 1;

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
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32]! + out;
    t = Math.floor(t / 32);
  }
  const rnd = randomBytes(16);
  for (let i = 0; i < 16; i++) out += ALPHABET[rnd[i]! % 32];
  return out;
}
