import type { GatewayParts } from '../gateway/gateway-parts.js';
import type { Logger } from '../log.js';
import { SystemdNotifier, type NotifierOptions } from './notify.js';
import { statusText } from './status-text.js';

/** The systemd side of a running gateway. */
export interface SystemdAttachment {
  /** Settles once READY=1 was sent (or failed, or there is no systemd). */
  ready: Promise<void>;
  /**
   * STOPPING=1 (after READY=1) and no more STATUS. Watchdog pings go on until close():
   * if systemd missed the STOPPING, a long shutdown (an AT+CMGS in flight) must not be
   * killed as hung. Safe to call twice.
   */
  stop(): Promise<void>;
  /** Stops the watchdog: call once the gateway is closed. */
  close(): void;
}

/**
 * Tells systemd a gateway is up: READY=1 (call it once HTTP listens, i.e. after
 * `startGateway` resolved), STATUS= kept current from task and modem events, watchdog
 * pings when the unit asks for them. Returns at once (signal handlers must not wait on
 * a helper process); a no-op outside systemd. `running` is a RunningGateway (only its
 * gateway is used).
 */
export function attachSystemd(running: { parts: GatewayParts }, logger: Logger, options: Partial<NotifierOptions> = {}): SystemdAttachment {
  const log = logger.child({ module: 'systemd' });
  const notifier = new SystemdNotifier({ ...options, logger: log });
  if (!notifier.enabled) return { ready: Promise.resolve(), stop: async () => {}, close: () => {} };
  const { queue, modems } = running.parts;
  const text = (): string =>
    statusText({
      queues: queue.queueNames.map((q) => queue.counts(q)),
      modems: modems.all(),
    });
  const update = (): void => notifier.status(text);
  let stopping = false;
  const ready = notifier.ready().then(() => {
    if (stopping) return;
    queue.on('status', update);
    modems.on('modem', update);
    update();
    const watchdogMs = notifier.startWatchdog();
    log.info({ watchdogMs }, 'systemd notified: ready');
  });
  let stopped: Promise<void> | undefined;
  return {
    ready,
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        await ready;
        queue.off('status', update);
        modems.off('modem', update);
        await notifier.stopping();
      })()),
    close: () => notifier.close(),
  };
}
