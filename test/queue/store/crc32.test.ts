import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Hex, tableCrc32 } from '../../../src/queue/store/crc32.js';

/** The store's record checksum: zlib's where node has it, the table loop otherwise; the same numbers. */
describe('crc32', () => {
  it('gives the standard check value and hex form', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(tableCrc32('123456789')).toBe(0xcbf43926);
    expect(crc32Hex('')).toBe('00000000');
    expect(crc32Hex('The quick brown fox jumps over the lazy dog')).toBe('414fa339');
  });

  it('agrees with the table loop on long and short, ASCII and UTF-8, bytes and strings, in pieces', () => {
    for (const n of [0, 1, 63, 64, 65, 644, 5000]) {
      const bytes = randomBytes(n);
      expect(crc32(bytes)).toBe(tableCrc32(bytes));
      const text = `${'x'.repeat(n)}Часть 🎉 ${n}`;
      expect(crc32(text)).toBe(tableCrc32(Buffer.from(text, 'utf8')));
      // A checksum over two pieces (one below the zlib threshold, one above) is that of the whole.
      const head = Buffer.from('{"n":1,"c":"'), whole = Buffer.concat([head, bytes]);
      expect(crc32(bytes, crc32(head))).toBe(tableCrc32(whole));
    }
  });
});
