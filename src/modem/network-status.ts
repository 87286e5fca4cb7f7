/**
 * Registration and signal answers (`+CREG`, `+CEREG`, `+CGREG`, `+CSQ`, `+COPS`) in their
 * real-world variants: spaces anywhere, leading zeros, quoted or bare LAC/CI, extra
 * fields (docs/hardware.md#registration-and-signal).
 */

/** Registration as reported in health samples. */
export type Registration = 'home' | 'roaming' | 'searching' | 'denied' | 'unknown' | 'not-registered';

/**
 * `<stat>` to registration (27.007 §7.2): 1 home, 5 roaming, 6/7 home/roaming "SMS only"
 * (u-blox Toby-L2 on LTE), 9/10 CSFB not preferred; 2 searching, 3 denied, 4 unknown.
 */
export function registrationFromStat(stat: number | undefined): Registration {
  switch (stat) {
    case 1:
    case 6:
    case 9:
      return 'home';
    case 5:
    case 7:
    case 10:
      return 'roaming';
    case 2:
      return 'searching';
    case 3:
      return 'denied';
    case 4:
      return 'unknown';
    default:
      return 'not-registered';
  }
}

/** True when SMS can be sent. */
export function isRegistered(reg: Registration | undefined): boolean {
  return reg === 'home' || reg === 'roaming';
}

function fields(line: string): string[] {
  return line.replace(/^[+^]\w+\s*:\s*/, '').split(',').map((f) => f.trim());
}

function int(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/**
 * `<stat>` of a solicited answer `+CREG: <n>,<stat>[,...]`. A lone value (`+CREG: 1`,
 * a few firmwares) is taken as the stat.
 */
export function parseSolicitedRegistration(line: string): number | undefined {
  const f = fields(line);
  return f.length === 1 ? int(f[0]) : int(f[1]);
}

/**
 * `<stat>` of an unsolicited `+CREG: <stat>[,<lac>,<ci>[,<AcT>]]`. The session enables
 * only `<n>=1`, whose URC is the bare stat, so the first field is always the stat.
 */
export function parseUnsolicitedRegistration(args: string): number | undefined {
  return int(fields(args)[0]);
}

/** dBm from `+CSQ: <rssi>,<ber>`: -113 + 2·rssi for 0..31, undefined for 99 or garbage. */
export function parseCsq(line: string): number | undefined {
  const rssi = int(fields(line)[0]);
  if (rssi === undefined || rssi > 31) return undefined;
  return -113 + 2 * rssi;
}

/** The operator name of `+COPS: <mode>,<format>,"<oper>"[,<AcT>]`, undefined without one. */
export function parseCops(line: string): string | undefined {
  const m = /"([^"]*)"/.exec(line);
  const name = m?.[1]?.trim();
  return name ? name : undefined;
}
