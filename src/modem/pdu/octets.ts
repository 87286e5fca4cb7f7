import { KatarError } from '../../errors.js';

/** Upper-case hex of `bytes`, two characters per octet (TS 27.005 §3: one line of IRA hex). */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += (b < 16 ? '0' : '') + b.toString(16);
  return out.toUpperCase();
}

/** Octets of a hex string (any case); throws PDU_INVALID on odd length or a non-hex digit. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) {
    throw new KatarError('PDU_INVALID', `PDU hex has an odd number of digits (${hex.length})`);
  }
  if (!/^[0-9a-fA-F]*$/.test(hex)) {
    throw new KatarError('PDU_INVALID', 'PDU contains a character that is not a hex digit');
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * A cursor over PDU octets. Every read past the end throws KatarError('PDU_INVALID'),
 * so truncated input can never surface as a RangeError or an `undefined` octet.
 */
export class OctetReader {
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {}

  /** Octets not yet read. */
  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** Offset of the next octet. */
  get position(): number {
    return this.offset;
  }

  /** Reads one octet. */
  u8(what: string): number {
    const v = this.bytes[this.offset];
    if (v === undefined) throw truncated(what, this.offset, 1, 0);
    this.offset += 1;
    return v;
  }

  /** Reads `n` octets (a copy). */
  take(n: number, what: string): Uint8Array {
    if (n > this.remaining) throw truncated(what, this.offset, n, this.remaining);
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** Reads up to `n` octets, fewer when the PDU ends first. */
  takeUpTo(n: number): Uint8Array {
    return this.take(Math.min(n, this.remaining), 'octets');
  }

  /** Reads everything left. */
  rest(): Uint8Array {
    return this.take(this.remaining, 'rest');
  }
}

function truncated(what: string, offset: number, needed: number, left: number): KatarError {
  return new KatarError('PDU_INVALID', `PDU truncated: ${what} needs ${needed} octet(s) at offset ${offset}, ${left} left`, {
    offset,
  });
}

/** Joins octet arrays and single octets into one array. */
export function joinOctets(...parts: Array<Uint8Array | number>): Uint8Array {
  let length = 0;
  for (const p of parts) length += typeof p === 'number' ? 1 : p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    if (typeof p === 'number') out[at++] = p & 0xff;
    else {
      out.set(p, at);
      at += p.length;
    }
  }
  return out;
}
