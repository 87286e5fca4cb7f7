import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * Unique, roughly time-ordered ids (48-bit millisecond time + 80 random bits, Crockford
 * base32, 26 characters, like a ULID). Sortable so that logs and files read in order.
 */
export function newId(now: number = Date.now()): string {
  let out = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  const rnd = randomBytes(16);
  for (let i = 0; i < 16; i++) out += ALPHABET[rnd[i]! % 32];
  return out;
}
