import type { ConcatInfo, InformationElement, PortInfo } from './types.js';

/** IEI of concatenation with an 8-bit reference (TS 23.040 §9.2.3.24.1). */
export const IEI_CONCAT_8 = 0x00;
/** IEI of 8-bit application port addressing (§9.2.3.24.3). */
export const IEI_PORTS_8 = 0x04;
/** IEI of 16-bit application port addressing (§9.2.3.24.4). */
export const IEI_PORTS_16 = 0x05;
/** IEI of concatenation with a 16-bit reference (§9.2.3.24.8). */
export const IEI_CONCAT_16 = 0x08;

/** What a User Data Header says. */
export interface UdhInfo {
  elements: InformationElement[];
  concat?: ConcatInfo;
  ports?: PortInfo;
}

/**
 * Parses a UDH body (the octets after UDHL). A malformed element stops parsing with a
 * warning; the elements before it are kept.
 */
export function parseUdh(body: Uint8Array, warnings: string[]): UdhInfo {
  const elements: InformationElement[] = [];
  let i = 0;
  while (i < body.length) {
    const iei = body[i] ?? 0;
    const len = body[i + 1];
    if (len === undefined || i + 2 + len > body.length) {
      warnings.push(`UDH element 0x${iei.toString(16)} runs past the header`);
      break;
    }
    elements.push({ iei, data: body.slice(i + 2, i + 2 + len) });
    i += 2 + len;
  }
  const info: UdhInfo = { elements };
  for (const { iei, data } of elements) {
    if (iei === IEI_CONCAT_8 || iei === IEI_CONCAT_16) {
      const concat = readConcat(iei, data, warnings);
      if (concat) info.concat = concat;
    } else if (iei === IEI_PORTS_8 && data.length === 2) {
      info.ports = { destination: data[0] ?? 0, source: data[1] ?? 0, bits: 8 };
    } else if (iei === IEI_PORTS_16 && data.length === 4) {
      info.ports = { destination: u16(data, 0), source: u16(data, 2), bits: 16 };
    } else if (iei === 0x24 || iei === 0x25) {
      warnings.push('national language shift tables are not supported; text decoded with the default alphabet');
    }
  }
  return info;
}

function readConcat(iei: number, data: Uint8Array, warnings: string[]): ConcatInfo | undefined {
  const bits = iei === IEI_CONCAT_8 ? 8 : 16;
  if (data.length !== (bits === 8 ? 3 : 4)) {
    warnings.push(`concatenation element has length ${data.length}; ignored`);
    return undefined;
  }
  const reference = bits === 8 ? (data[0] ?? 0) : u16(data, 0);
  const total = data[bits === 8 ? 1 : 2] ?? 0;
  const sequence = data[bits === 8 ? 2 : 3] ?? 0;
  // §9.2.3.24.1: a zero count or sequence, or a sequence beyond the count, voids the element.
  if (total === 0 || sequence === 0 || sequence > total) {
    warnings.push(`concatenation element ${sequence}/${total} is inconsistent; ignored`);
    return undefined;
  }
  return { reference, referenceBits: bits, total, sequence };
}

/** The UDH (with its UDHL octet) of one part of a concatenated message. */
export function buildConcatUdh(concat: ConcatInfo): Uint8Array {
  if (concat.referenceBits === 16) {
    return Uint8Array.of(6, IEI_CONCAT_16, 4, concat.reference >> 8, concat.reference & 0xff, concat.total, concat.sequence);
  }
  return Uint8Array.of(5, IEI_CONCAT_8, 3, concat.reference, concat.total, concat.sequence);
}

function u16(data: Uint8Array, at: number): number {
  return ((data[at] ?? 0) << 8) | (data[at + 1] ?? 0);
}

/**
 * A concatenation reference derived from the message when the caller gives none. It only
 * needs to differ between messages in flight to the same recipient (§9.2.3.24.1); callers
 * that send often should pass a rolling counter instead.
 */
export function deriveConcatReference(seed: string, bits: 8 | 16): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193) >>> 0;
  return bits === 8 ? (h ^ (h >>> 8) ^ (h >>> 16) ^ (h >>> 24)) & 0xff : (h ^ (h >>> 16)) & 0xffff;
}
