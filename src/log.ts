import { createRequire } from 'node:module';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import type pretty from 'pino-pretty';
import type { Config } from './config.js';

export type { Logger } from 'pino';

/** `json`: one JSON object per line; `pretty`: readable lines; `auto`: pretty on a terminal, JSON otherwise. */
export type LogFormat = Config['logFormat'];

/** True when the log should be readable lines rather than JSON. */
export function wantsPretty(format: LogFormat, isTTY: boolean = process.stdout.isTTY === true): boolean {
  return format === 'pretty' || (format === 'auto' && isTTY);
}

/**
 * Fields under this key repeat what the message already says in words (the start line):
 * JSON keeps them for machines, readable lines leave them out.
 */
export const DETAILS_KEY = 'details';

/**
 * Readable lines for a person at a terminal: time, level, `module: message`, then the
 * other fields on the same line (errors: their stack below). Synchronous writes to stdout (no worker thread, as a
 * pino transport would start), so nothing is lost when the process exits at once.
 */
function prettyStream(): pretty.PrettyStream {
  // Loaded only for a terminal: under systemd (JSON lines) the gateway never needs it.
  const make = createRequire(import.meta.url)('pino-pretty') as typeof pretty;
  return make({
    sync: true,
    destination: 1,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: `pid,hostname,service,module,${DETAILS_KEY}`,
    messageFormat: '{if module}{module}: {end}{msg}',
    singleLine: true,
  });
}

/**
 * The one pino root, child loggers per module: JSON lines to stdout when journald (or
 * any pipe) keeps them, readable lines on a terminal (`format`, default `auto`). Either
 * way records go through pino's serializers (`err`) and redaction first. Numbers,
 * message bodies and tokens are redacted in case a caller ever logs an object that holds
 * them; the modem wire is traced at debug only.
 */
export function createLogger(level: LevelWithSilent = 'info', format: LogFormat = 'auto'): Logger {
  const options = {
    level,
    base: { service: 'katar-sms' },
    redact: {
      paths: ['req.headers.authorization', 'to', 'from', 'token', 'body', '*.to', '*.msg', '*.from', '*.token', 'data.to', 'data.msg', '*.pin', 'pin'],
      censor: '[redacted]',
    },
  };
  return level !== 'silent' && wantsPretty(format) ? pino(options, prettyStream()) : pino(options);
}
