import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

/**
 * The one pino root: JSON lines to stdout (journald keeps them), child loggers per
 * module. Numbers, message bodies and tokens are redacted in case a caller ever logs an
 * object that holds them; the modem wire is traced at debug only.
 */
export function createLogger(level: LevelWithSilent = 'info'): Logger {
  return pino({
    level,
    base: { service: 'katar-sms' },
    redact: {
      paths: ['req.headers.authorization', 'to', 'from', 'token', 'body', '*.to', '*.msg', '*.from', '*.token', 'data.to', 'data.msg', '*.pin', 'pin'],
      censor: '[redacted]',
    },
  });
}
