import { describe, expect, it } from 'vitest';
import { isKatarError } from '../../../src/errors.js';
import { ConcatAssembler, decodePdu, type DecodedDeliver } from '../../../src/modem/pdu/index.js';
import { seededRandom } from '../../../src/simulator/sim-link.js';
import { VECTORS } from './vectors.js';

/** The simulator's seeded PRNG, so every run mutates the vectors the same way. */
const prng = seededRandom;

const HEX = '0123456789ABCDEF';

function mutate(hex: string, rnd: () => number): string {
  const pick = (n: number): number => Math.floor(rnd() * n);
  const octets = hex.length / 2;
  switch (pick(7)) {
    case 0: // truncate at an octet boundary
      return hex.slice(0, 2 * pick(octets));
    case 1: // truncate anywhere (odd lengths too)
      return hex.slice(0, pick(hex.length));
    case 2: { // flip a few hex digits
      const chars = hex.split('');
      for (let i = 0, n = 1 + pick(4); i < n; i++) chars[pick(chars.length)] = HEX[pick(16)] ?? '0';
      return chars.join('');
    }
    case 3: { // overwrite one octet with an extreme value
      const at = 2 * pick(octets);
      return hex.slice(0, at) + ['00', 'FF', '7F', '80'][pick(4)] + hex.slice(at + 2);
    }
    case 4: { // delete an octet
      const at = 2 * pick(octets);
      return hex.slice(0, at) + hex.slice(at + 2);
    }
    case 5: { // insert random octets
      const at = 2 * pick(octets);
      let junk = '';
      for (let i = 0, n = 1 + pick(5); i < n; i++) junk += (HEX[pick(16)] ?? '0') + (HEX[pick(16)] ?? '0');
      return hex.slice(0, at) + junk + hex.slice(at);
    }
    default: // pure noise of the same length
      return Array.from({ length: hex.length }, () => HEX[pick(16)]).join('');
  }
}

describe('decodePdu fuzz (seeded, bounded)', () => {
  it('only ever throws KatarError PDU_INVALID on truncated or corrupted vectors', () => {
    const rnd = prng(0x5eed);
    const vectors = Object.values(VECTORS);
    let decoded = 0;
    let rejected = 0;
    for (let i = 0; i < 20_000; i++) {
      const base = vectors[i % vectors.length] ?? '';
      const input = mutate(i % 3 === 2 ? mutate(base, rnd) : base, rnd);
      try {
        const d = decodePdu(input, { smscIncluded: rnd() < 0.9 });
        expect(Array.isArray(d.warnings)).toBe(true);
        if (d.type === 'deliver') {
          expect(Number.isFinite(d.timestamp.getTime())).toBe(true);
          new ConcatAssembler<DecodedDeliver>().add(d);
        }
        decoded++;
      } catch (err) {
        if (!isKatarError(err, 'PDU_INVALID')) throw new Error(`non-KatarError for ${input}: ${String(err)}`, { cause: err });
        rejected++;
      }
    }
    expect(decoded).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });

  it('every proper prefix of every vector throws PDU_INVALID or decodes', () => {
    for (const hex of Object.values(VECTORS)) {
      for (let n = 0; n < hex.length; n++) {
        try {
          decodePdu(hex.slice(0, n));
        } catch (err) {
          expect(isKatarError(err, 'PDU_INVALID'), `${hex.slice(0, n)}`).toBe(true);
        }
      }
    }
  });
});
