import type { DataEncoding } from './types.js';

/** What a TP-DCS octet means for decoding (TS 23.038 §4). */
export interface DcsInfo {
  encoding: DataEncoding;
  messageClass?: number;
  compressed: boolean;
  /** Set when the value is reserved and was read as the default alphabet. */
  reserved: boolean;
}

/** DCS for GSM-7 text, no class (TS 23.038 §4: coding group 00xx, alphabet 00). */
export const DCS_GSM7 = 0x00;
/** DCS for UCS-2 text, no class (coding group 00xx, alphabet 10). */
export const DCS_UCS2 = 0x08;

const ALPHABETS: readonly DataEncoding[] = ['gsm7', '8bit', 'ucs2'];

/** Interprets a TP-DCS octet. */
export function interpretDcs(dcs: number): DcsInfo {
  const group = dcs >> 4;
  if (group <= 0x7) {
    // General data coding (00xx) and automatic deletion (01xx) share the low six bits.
    const alphabet = (dcs >> 2) & 0x03;
    const info: DcsInfo = {
      encoding: ALPHABETS[alphabet] ?? 'gsm7',
      compressed: (dcs & 0x20) !== 0,
      reserved: alphabet === 3,
    };
    if ((dcs & 0x10) !== 0) info.messageClass = dcs & 0x03;
    return info;
  }
  if (group === 0xf) {
    // Data coding / message class: bit 2 picks 8-bit over GSM-7; bit 3 is reserved.
    return {
      encoding: (dcs & 0x04) !== 0 ? '8bit' : 'gsm7',
      messageClass: dcs & 0x03,
      compressed: false,
      reserved: (dcs & 0x08) !== 0,
    };
  }
  if (group === 0xc || group === 0xd) return { encoding: 'gsm7', compressed: false, reserved: false };
  if (group === 0xe) return { encoding: 'ucs2', compressed: false, reserved: false };
  // 1000..1011 are reserved coding groups; §4 says to assume the default alphabet.
  return { encoding: 'gsm7', compressed: false, reserved: true };
}
