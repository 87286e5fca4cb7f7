/**
 * The library API of katar-sms: `openGateway(config)` starts the queue, the HTTP API and
 * the built-in modem workers in this process, and returns the typed event emitter with
 * `send({to, msg}, priority)`, as the original katar-sms module did.
 */
import { parseConfig } from './config.js';
import { Gateway } from './gateway/gateway.js';
import { createLogger, type Logger } from './log.js';
import { startGateway } from './start-gateway.js';
import { modemComponents } from './modem-workers.js';

export type { Config, ModemConfig, TokenConfig, Role } from './config.js';
export type { Gateway, GatewayEvents, LibrarySend, ModemHealth, SendRequest } from './gateway/gateway.js';
export type { InboxEntry, Task, TaskStatus } from './queue/task.js';
export { Priority } from './queue/task.js';
export { KatarError, isKatarError, type ErrorCode } from './errors.js';

/** A running gateway: the library API plus `close()` and the URL it listens on. */
export type RunningKatarSms = Gateway & { url: string; close(): Promise<void> };

/**
 * Validates `config` (the same keys as the JSON config file), starts everything, and
 * resolves once the HTTP server listens.
 */
export async function openGateway(config: Record<string, unknown> = {}, opts: { logger?: Logger } = {}): Promise<RunningKatarSms> {
  const cfg = parseConfig(config);
  const logger = opts.logger ?? createLogger(cfg.logLevel, cfg.logFormat);
  const running = await startGateway(cfg, logger, modemComponents());
  return Object.assign(new Gateway(running.parts), { url: running.url, close: running.close });
}
