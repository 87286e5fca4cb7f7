/**
 * Final result codes (TS 27.007 §5.7 / annex B, TS 27.005 §3.2.5) and the vendor variants
 * real modems send instead, plus the +CME / +CMS error tables an SMS gateway meets.
 */
import { KatarError } from '../../errors.js';

/** What a final result line says. */
export type FinalKind =
  | 'ok'
  | 'error'
  | 'cme-error'
  | 'cms-error'
  /** Huawei's `COMMAND NOT SUPPORT` for unknown commands. */
  | 'not-supported'
  /** Motorola `MODEM ERROR: <n>`. */
  | 'modem-error'
  /** Samsung Z810 `NA`, "not available". */
  | 'na'
  /** Call progress: `NO CARRIER`, `BUSY`, `NO ANSWER`, `NO DIALTONE`. */
  | 'call-progress';

/** A parsed final result line. */
export interface FinalResult {
  kind: FinalKind;
  /** The line as received (trimmed). */
  line: string;
  /** Numeric code, or the text of a verbose (`AT+CMEE=2`) error; absent for plain codes. */
  code?: number | string;
}

const CALL_PROGRESS = new Set(['NO CARRIER', 'BUSY', 'NO ANSWER', 'NO DIALTONE']);

/** Classifies `line` as a final result code, or returns undefined for any other line. */
export function parseFinalResult(line: string): FinalResult | undefined {
  const text = line.trim();
  const upper = text.toUpperCase();
  if (upper === 'OK') return { kind: 'ok', line: text };
  if (upper === 'ERROR') return { kind: 'error', line: text };
  if (upper === 'COMMAND NOT SUPPORT') return { kind: 'not-supported', line: text };
  if (upper === 'NA') return { kind: 'na', line: text };
  if (CALL_PROGRESS.has(upper)) return { kind: 'call-progress', line: text };
  const m = /^(\+CME ERROR|\+CMS ERROR|MODEM ERROR)\s*:\s*(.*)$/i.exec(text);
  if (!m) return undefined;
  const head = (m[1] ?? '').toUpperCase();
  const kind: FinalKind = head === '+CME ERROR' ? 'cme-error' : head === '+CMS ERROR' ? 'cms-error' : 'modem-error';
  return { kind, line: text, code: parseCode(m[2] ?? '') };
}

/** Numeric codes become numbers (Samsung `-1` included); verbose text is kept as text. */
function parseCode(raw: string): number | string {
  const t = raw.trim();
  return /^-?\d+$/.test(t) ? Number(t) : t;
}

/** One row of an error table. */
export interface ErrorInfo {
  description: string;
  /** Worth retrying after a pause: the condition clears by itself (SIM busy, no network...). */
  transient: boolean;
}

function table(rows: Array<[number, string, boolean?]>): ReadonlyMap<number, ErrorInfo> {
  return new Map(rows.map(([code, description, transient]) => [code, { description, transient: transient === true }]));
}

/** +CMS ERROR codes (TS 27.005 §3.2.5, TS 24.011 annex E-2, TS 23.040 §9.2.3.22, vendor ≥ 512). */
export const CMS_ERRORS: ReadonlyMap<number, ErrorInfo> = table([
  [1, 'unassigned (unallocated) number'],
  [8, 'operator determined barring'],
  [10, 'call barred'],
  [21, 'short message transfer rejected'],
  [27, 'destination out of service', true],
  [28, 'unidentified subscriber'],
  [29, 'facility rejected'],
  [30, 'unknown subscriber'],
  [38, 'network out of order', true],
  [41, 'temporary failure', true],
  [42, 'congestion', true],
  [47, 'resources unavailable, unspecified', true],
  [50, 'requested facility not subscribed'],
  [69, 'requested facility not implemented'],
  [96, 'invalid mandatory information'],
  [111, 'protocol error, unspecified', true],
  [192, 'SC busy', true],
  [193, 'no SC subscription'],
  [194, 'SC system failure', true],
  [195, 'invalid SME address'],
  [196, 'destination SME barred'],
  [197, 'SM rejected - duplicate SM'],
  [198, 'TP-VPF not supported'],
  [199, 'TP-VP not supported'],
  [208, 'SIM SMS storage full'],
  [211, 'memory capacity exceeded'],
  [255, 'unspecified error cause'],
  [300, 'ME failure'],
  [301, 'SMS service of ME reserved'],
  [302, 'operation not allowed'],
  [303, 'operation not supported'],
  [304, 'invalid PDU mode parameter'],
  [305, 'invalid text mode parameter'],
  [310, 'SIM not inserted'],
  [311, 'SIM PIN required'],
  [312, 'PH-SIM PIN required'],
  [313, 'SIM failure'],
  [314, 'SIM busy', true],
  [315, 'SIM wrong'],
  [316, 'SIM PUK required'],
  [317, 'SIM PIN2 required'],
  [318, 'SIM PUK2 required'],
  [320, 'memory failure'],
  [321, 'invalid memory index'],
  [322, 'memory full'],
  [330, 'SMSC address unknown'],
  [331, 'no network service', true],
  [332, 'network timeout', true],
  [340, 'no +CNMA acknowledgement expected'],
  [500, 'unknown error'],
  // 512+ are manufacturer specific; texts from Siemens manuals via gammu.
  [512, 'user abort', true],
  [513, 'unable to store'],
  [514, 'invalid status'],
  [515, 'invalid character in address string'],
  [516, 'invalid length'],
  [517, 'invalid character in pdu'],
  [519, 'invalid length or character'],
  [520, 'invalid character in text'],
  [521, 'timer expired', true],
  [522, 'operation temporary not allowed', true],
  [532, 'SIM not ready', true],
  [535, 'PS busy', true],
  [538, 'invalid parameter'],
  [549, 'incorrect PDU length'],
  [550, 'invalid message type indication (MTI)'],
  [551, 'invalid (non-hex) chars in address'],
  [553, 'incorrect PDU length (UDL)'],
  [554, 'incorrect SCA length'],
  [615, 'network failure', true],
  [616, 'network is down', true],
]);

/** +CME ERROR codes (TS 27.007 §9.2) and the vendor codes seen in the field. */
export const CME_ERRORS: ReadonlyMap<number, ErrorInfo> = table([
  [0, 'phone failure'],
  [1, 'no connection to phone'],
  [2, 'phone-adaptor link reserved'],
  [3, 'operation not allowed'],
  [4, 'operation not supported'],
  [5, 'PH-SIM PIN required'],
  [10, 'SIM not inserted'],
  [11, 'SIM PIN required'],
  [12, 'SIM PUK required'],
  [13, 'SIM failure'],
  [14, 'SIM busy', true],
  [15, 'SIM wrong'],
  [16, 'incorrect password'],
  [17, 'SIM PIN2 required'],
  [18, 'SIM PUK2 required'],
  [20, 'memory full'],
  [21, 'invalid index'],
  [22, 'not found'],
  [23, 'memory failure'],
  [24, 'text string too long'],
  [25, 'invalid characters in text string'],
  [26, 'dial string too long'],
  [27, 'invalid characters in dial string'],
  [30, 'no network service', true],
  [31, 'network timeout', true],
  [32, 'network not allowed - emergency calls only'],
  [100, 'unknown'],
  [103, 'illegal MS'],
  [106, 'illegal ME'],
  [107, 'GPRS services not allowed'],
  [111, 'PLMN not allowed'],
  [112, 'location area not allowed'],
  [113, 'roaming not allowed in this location area'],
  [132, 'service option not supported'],
  [133, 'requested service option not subscribed'],
  [134, 'service option temporarily out of order', true],
  [148, 'unspecified GPRS error'],
  [149, 'PDP authentication failure'],
  [150, 'invalid mobile class'],
  // Wavecom after AT+CFUN=1, and others while initialising (python-gsmmodem retries it).
  [515, 'please wait, init or command processing in progress', true],
]);

/** Which table a code belongs to. */
export type ErrorFamily = 'cme' | 'cms';

/**
 * Looks a code up; verbose text (`AT+CMEE=2`, e.g. `+CME ERROR: SIM busy`) is matched
 * case-insensitively against the descriptions, so callers can branch on the number.
 */
export function lookupError(family: ErrorFamily, code: number | string): ({ code: number } & ErrorInfo) | undefined {
  const map = family === 'cme' ? CME_ERRORS : CMS_ERRORS;
  if (typeof code === 'number') {
    const info = map.get(code);
    return info && { code, ...info };
  }
  const wanted = code.trim().toLowerCase();
  for (const [n, info] of map) if (info.description.toLowerCase() === wanted) return { code: n, ...info };
  return undefined;
}

/** True when the error is expected to clear by itself (retry after a pause). */
export function isTransientError(family: ErrorFamily, code: number | string): boolean {
  return lookupError(family, code)?.transient === true;
}

/**
 * Turns an error final into the KatarError callers branch on: CME_ERROR / CMS_ERROR with
 * `details.errorCode` (a number when known, else the modem's text), MODEM_ERROR otherwise.
 * `command` must already be redacted; `extra` is merged into details (e.g. `phase`).
 */
export function finalToError(final: FinalResult, command: string, extra: Record<string, unknown> = {}): KatarError {
  if (final.kind === 'cme-error' || final.kind === 'cms-error') {
    const family: ErrorFamily = final.kind === 'cme-error' ? 'cme' : 'cms';
    const raw = final.code ?? '';
    const known = lookupError(family, raw);
    const errorCode = known ? known.code : raw;
    const description = known?.description ?? (typeof raw === 'string' ? raw : 'unknown');
    return new KatarError(
      family === 'cme' ? 'CME_ERROR' : 'CMS_ERROR',
      `${command}: ${family === 'cme' ? '+CME' : '+CMS'} ERROR ${String(errorCode)} (${description})`,
      { command, errorCode, description, transient: known?.transient === true, final: final.line, ...extra },
    );
  }
  const details: Record<string, unknown> = { command, final: final.line, ...extra };
  if (final.code !== undefined) details.errorCode = final.code;
  return new KatarError('MODEM_ERROR', `${command}: ${final.line}`, details);
}
