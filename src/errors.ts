/**
 * Errors with stable string codes. Callers branch on `code` (through `isKatarError`),
 * never on message text; the HTTP layer maps codes to status codes in one place.
 */
export type ErrorCode =
  // configuration and start-up
  | 'CONFIG_INVALID'
  | 'DATA_DIR_LOCKED'
  // another running box of the fleet has this gateway id (a cloned SD card, a copied config)
  | 'GATEWAY_ID_IN_USE'
  | 'STORE_CORRUPT'
  // the store cannot write: the disk is full (ENOSPC/EDQUOT) or below the free-space reserve
  | 'STORAGE_FULL'
  // the store cannot write for another reason (EIO, read-only file system...)
  | 'STORE_UNAVAILABLE'
  | 'UNSAFE_LISTEN'
  // the HTTP port is held by another process (checked before anything else starts)
  | 'PORT_IN_USE'
  // producer / worker input
  | 'VALIDATION'
  | 'QUEUE_NOT_FOUND'
  | 'TASK_NOT_FOUND'
  | 'TASK_CONFLICT'
  // an idempotency key already used for a message with another recipient or text
  | 'IDEMPOTENCY_CONFLICT'
  // a request body that is not JSON (no or another Content-Type)
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'LEASE_LOST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  // a state-changing request authenticated by the session cookie without its x-csrf-token
  | 'CSRF_REJECTED'
  | 'RATE_LIMITED'
  | 'QUEUE_FULL'
  | 'EVENTS_EXPIRED'
  | 'WEBHOOK_NOT_FOUND'
  // USSD: no modem of that name; a session already open; a reply with none open; the
  // session cancelled meanwhile; the modem refused the request; the network never answered
  | 'MODEM_NOT_FOUND'
  | 'USSD_BUSY'
  | 'USSD_NO_SESSION'
  | 'USSD_CANCELLED'
  | 'USSD_REJECTED'
  | 'USSD_TIMEOUT'
  // the modem is not ready (connecting, no network, SIM problem) for a request that needs it
  | 'MODEM_NOT_READY'
  | 'SHUTTING_DOWN'
  // remote worker mode
  | 'SERVER_UNREACHABLE'
  | 'SERVER_REFUSED'
  // modem and codec
  | 'MODEM_TIMEOUT'
  | 'MODEM_CLOSED'
  | 'MODEM_BUSY'
  | 'MODEM_ERROR'
  | 'CME_ERROR'
  | 'CMS_ERROR'
  | 'SIM_PIN_REQUIRED'
  | 'SIM_PUK_REQUIRED'
  | 'SIM_WRONG_PIN'
  | 'SIM_NOT_INSERTED'
  | 'SIM_FAILURE'
  | 'NOT_REGISTERED'
  | 'OUTCOME_UNKNOWN'
  | 'PDU_INVALID'
  | 'PDU_UNSUPPORTED'
  | 'MESSAGE_TOO_LONG'
  | 'INTERNAL';

/** Base error of the project: a stable code, a human message, optional details. */
export class KatarError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KatarError';
    this.code = code;
    this.details = details;
  }
}

/** True when `err` is a KatarError, optionally with one of the given codes. */
/** The store cannot write now (a full disk, an I/O error, the fleet's database away): wait and try again, never drop. */
export const STORE_DOWN: readonly ErrorCode[] = ['STORAGE_FULL', 'STORE_UNAVAILABLE'];

export function isKatarError(err: unknown, ...codes: ErrorCode[]): err is KatarError {
  return err instanceof KatarError && (codes.length === 0 || codes.includes(err.code));
}
