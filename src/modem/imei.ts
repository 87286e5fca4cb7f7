/**
 * The IMEI's check digit (3GPP TS 23.003 §6.2.1, the Luhn algorithm over the first 14
 * digits): config validation checks a configured IMEI with it, the simulator makes one
 * per simulated modem with it.
 */
export function imeiCheckDigit(first14: string): number {
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    let d = Number(first14[i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** True when the 15-digit IMEI's last digit is its check digit. */
export function imeiCheckDigitOk(imei: string): boolean {
  return /^\d{15}$/.test(imei) && imeiCheckDigit(imei) === Number(imei[14]);
}
