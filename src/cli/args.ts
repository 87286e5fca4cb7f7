import { parseArgs, type ParseArgsConfig } from 'node:util';
import { KatarError } from '../errors.js';

/** Exit codes of the katar-sms command (also in the README). */
export const EXIT = {
  OK: 0,
  /** A runtime failure (e.g. the modem is gone for good). */
  FAILURE: 1,
  /** Bad command line. */
  USAGE: 2,
  /** Bad configuration, data dir locked, unsafe listen, port in use (sysexits EX_CONFIG). */
  CONFIG: 78,
} as const;

/** A bad command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

/** node:util parseArgs with errors turned into UsageError. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: false; strict: true }>>['values'] {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Parses an integer option within a range, or throws UsageError naming it. */
export function intOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** Maps errors to exit codes. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return EXIT.USAGE;
  if (err instanceof KatarError && ['CONFIG_INVALID', 'DATA_DIR_LOCKED', 'GATEWAY_ID_IN_USE', 'UNSAFE_LISTEN', 'PORT_IN_USE', 'STORE_CORRUPT'].includes(err.code)) return EXIT.CONFIG;
  return EXIT.FAILURE;
}
