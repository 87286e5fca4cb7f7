import type { BalanceCheck, CallSettings } from '../config/modem-extras.js';
import type { GatewayParts } from '../gateway/gateway-parts.js';
import type { Logger } from '../log.js';
import { CallHandler, type IncomingCall } from '../modem/calls.js';
import type { ModemSessionApi } from '../modem/session/types.js';
import { UssdClient } from '../modem/ussd.js';
import { BalanceChecker } from './balance-check.js';

/** What a modem's services need. */
export interface ModemServicesOptions {
  name: string;
  session: ModemSessionApi;
  /** The gateway's controls and event log; absent in remote worker mode (calls are still rejected). */
  parts?: Pick<GatewayParts, 'queue' | 'controls'> | undefined;
  balance?: BalanceCheck | undefined;
  calls?: CallSettings | undefined;
  logger: Logger;
  /** Wait after the first `ready` before the first balance check. Default 5 000 ms. */
  firstBalanceDelayMs?: number;
}

/** The running services of one modem; `stop()` ends them. */
export interface ModemServices {
  ussd: UssdClient;
  calls: CallHandler;
  balance: BalanceChecker | undefined;
  stop(): Promise<void>;
}

/**
 * What a built-in modem does besides SMS: USSD (registered in the gateway's controls for
 * the HTTP API), incoming calls (rejected unless configured otherwise, each one a
 * `call.incoming` event), and the periodic balance check.
 */
export function startModemServices(o: ModemServicesOptions): ModemServices {
  const logger = o.logger.child({ module: 'modem-services', modem: o.name });
  const events = o.parts?.queue.events;
  const ussd = new UssdClient(o.session, logger);
  const unregister = o.parts?.controls.register(o.name, {
    ussd: (code, opts) => ussd.request(code, opts),
    ussdReply: (text, opts) => ussd.reply(text, opts),
    ussdCancel: () => ussd.cancel(),
  });
  const onCall = (call: IncomingCall): void => {
    // Its own durable write, like modem.state: a full disk loses the event, never an SMS.
    events?.append('call.incoming', { modem: o.name, from: call.from, rejected: call.rejected }).catch((err: unknown) => logger.warn({ err }, 'could not record a call.incoming event'));
  };
  const calls = new CallHandler(o.session, { reject: o.calls?.reject !== false, onCall, log: logger });
  calls.start();
  let balance: BalanceChecker | undefined;
  let firstTimer: ReturnType<typeof setTimeout> | undefined;
  let onFirstReady: (() => void) | undefined;
  if (o.balance) {
    const checker = new BalanceChecker({ modem: o.name, settings: o.balance, ussd, ...(o.parts && { controls: o.parts.controls }), ...(events && { events }), logger });
    balance = checker;
    checker.start();
    onFirstReady = (): void => {
      if (onFirstReady) o.session.off('ready', onFirstReady);
      firstTimer = setTimeout(() => void checker.check(), o.firstBalanceDelayMs ?? 5_000);
      firstTimer.unref?.();
    };
    o.session.on('ready', onFirstReady);
  }
  return {
    ussd,
    calls,
    balance,
    stop: async () => {
      unregister?.();
      if (onFirstReady) o.session.off('ready', onFirstReady);
      clearTimeout(firstTimer);
      calls.stop();
      await balance?.stop();
      ussd.close();
    },
  };
}
