/**
 * Parsing of identification answers (`AT+CGMI`, `AT+CGMM`, `AT+CGMR`, `AT+CGSN`, `ATI`).
 * Real answers carry an echo of the command name (`+CGMR: LE20B04SIM7600G22`), a label
 * (`Revision:1418B04SIM800L24`, `Manufacturer: huawei`), leading spaces and double spaces
 * (Wavecom ` MULTIBAND  900E  1800`) or several lines (Nokia `AT+CGMR`); docs/hardware.md#identification.
 */

const LABEL = /^(?:\+(?:C?GM[IMR]|C?GSN)\s*:|manufacturer\s*:|model\s*:|revision\s*:|imei\s*:)\s*/i;

/**
 * The value of an identification answer: labels stripped, whitespace collapsed, several
 * lines joined with a space; '' when the modem said nothing useful.
 */
export function parseIdentAnswer(lines: readonly string[]): string {
  return lines
    .map((l) => l.trim().replace(LABEL, '').replace(/^"(.*)"$/, '$1').replace(/\s+/g, ' ').trim())
    .filter((l) => l !== '')
    .join(' ');
}

/** The IMEI in an `AT+CGSN` answer: the first run of 14-17 digits, else the cleaned text. */
export function parseImei(lines: readonly string[]): string {
  const text = parseIdentAnswer(lines);
  return /\d{14,17}/.exec(text)?.[0] ?? text;
}

/**
 * Fields from an `ATI` answer (`Manufacturer: huawei` / `Model: E3372` / `Revision: ...`),
 * used when `AT+CGMI`/`AT+CGMM` fail. Unlabelled lines give manufacturer then model.
 */
export function parseAti(lines: readonly string[]): { manufacturer: string; model: string; revision: string } {
  const out = { manufacturer: '', model: '', revision: '' };
  const plain: string[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    const m = /^(manufacturer|model|revision)\s*:\s*(.*)$/i.exec(line);
    if (m) out[(m[1] ?? '').toLowerCase() as keyof typeof out] = (m[2] ?? '').trim();
    else if (line !== '' && !/^\+GCAP|^IMEI/i.test(line)) plain.push(line);
  }
  if (out.manufacturer === '') out.manufacturer = plain[0] ?? '';
  if (out.model === '') out.model = plain[1] ?? '';
  return out;
}

/** The IMSI in an `AT+CIMI` answer (`+CIMI: 262011234567890` on some firmware): 6-15 digits, else ''. */
export function parseImsi(lines: readonly string[]): string {
  for (const l of lines) {
    const m = /^(?:\+CIMI\s*:\s*)?"?(\d{6,15})"?\s*$/i.exec(l.trim());
    if (m) return m[1]!;
  }
  return '';
}

/**
 * The ICCID in an `AT+CCID` / `AT+ICCID` / `AT+QCCID` / `AT^ICCID?` / `AT+CICCID` answer,
 * with or without its label and quotes: 18-22 characters, digits and the F padding or a
 * hex check digit some SIMs carry; else ''.
 */
export function parseIccid(lines: readonly string[]): string {
  for (const l of lines) {
    const m = /^(?:[+^$][A-Z]*CCID\s*:\s*)?"?([0-9A-F]{18,22})"?\s*$/i.exec(l.trim());
    if (m) return m[1]!.toUpperCase();
  }
  return '';
}
