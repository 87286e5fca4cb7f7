import type { GatewayParts } from '../gateway/gateway-parts.js';
import { builtinWorkerId } from '../gateway/gateway-id.js';
import type { Logger } from '../log.js';
import type { ModemSessionApi } from '../modem/session/types.js';
import type { StatusReportIn } from '../queue/delivery-book.js';
import type { DeliveryLedger } from '../queue/sms-queue.js';
import { ReceivePipeline } from './receive-pipeline.js';
import { SendLoop } from './send-loop.js';
import { LocalQueue, type InboxSink, type WorkSource } from './work-source.js';

/** Options of a built-in worker. */
export interface ModemWorkerOptions {
  name: string;
  session: ModemSessionApi;
  /** The gateway's queue and where modem health is published (healthz, metrics, `modem` events); absent in remote worker mode. */
  parts?: Pick<GatewayParts, 'id' | 'queue' | 'modems'>;
  /** The in-process queue to drain (built-in worker of `serve`)... */
  queueName?: string;
  /** ...or any work source and inbox (remote worker mode). */
  source?: WorkSource & InboxSink;
  statusReports: boolean;
  logger: Logger;
  concatTimeoutMs?: number;
  listingIntervalMs?: number;
}

/**
 * The built-in worker: the only bridge between tasks and a modem. It takes tasks
 * through the same lease/report operations as remote workers, so both drain one queue
 * fairly, and it relays what the modem receives into the same inbox as
 * `POST /v1/queue/:queue/receive`. Modem health goes to the gateway (healthz, metrics,
 * `modem` events).
 */
export class ModemWorker {
  readonly name: string;
  readonly send: SendLoop;
  readonly receive: ReceivePipeline;
  readonly #o: ModemWorkerOptions;
  readonly #detach: Array<() => void> = [];

  constructor(o: ModemWorkerOptions) {
    this.#o = o;
    this.name = o.name;
    const logger = o.logger.child({ module: 'worker', modem: o.name });
    const gatewayId = o.parts?.id;
    const workerId = gatewayId ? builtinWorkerId(gatewayId, o.name) : `builtin:${o.name}`;
    const source = o.source ?? new LocalQueue(o.parts!.queue, o.queueName ?? 'sms', workerId);
    if (!o.source) this.#watchReports(o.parts!.queue.deliveries, logger);
    this.send = new SendLoop({ session: o.session, source, statusReports: o.statusReports, logger });
    this.receive = new ReceivePipeline({
      session: o.session,
      sink: source,
      source: `modem:${o.name}`,
      logger,
      ...(o.concatTimeoutMs !== undefined && { concatTimeoutMs: o.concatTimeoutMs }),
      ...(o.listingIntervalMs !== undefined && { listingIntervalMs: o.listingIntervalMs }),
    });
  }

  /** Logs what becomes of this modem's status reports that match nothing or cannot be recorded. */
  #watchReports(book: DeliveryLedger, logger: Logger): void {
    const mine = (r: StatusReportIn): boolean => r.modem === this.name || r.modem.startsWith(`${this.name}:`);
    const onUnmatched = (queue: string, r: StatusReportIn): void => {
      if (mine(r)) logger.info({ queue, mr: r.reference, status: r.status }, 'status report for no known send: dropped');
    };
    const onError = (err: Error, r: StatusReportIn): void => {
      if (mine(r)) logger.error({ err, mr: r.reference }, 'could not record a status report');
    };
    book.on('unmatched', onUnmatched);
    book.on('error', onError);
    this.#detach.push(() => book.off('unmatched', onUnmatched), () => book.off('error', onError));
  }

  /** Starts sending and receiving; health is reported from now on. */
  start(): void {
    const { session, parts, name } = this.#o;
    let last: { signalDbm?: number; registration?: string; operator?: string } = {};
    const publish = (lastError?: string): void => {
      parts?.modems.report({
        name,
        state: session.state,
        ...last,
        ...(session.identity && { model: `${session.identity.manufacturer} ${session.identity.model}`.trim() }),
        ...(lastError && { lastError }),
        updatedAt: new Date().toISOString(),
      });
    };
    // The detail of 'ready' is the registration (home, roaming), not an error.
    const onState = (s: unknown, detail: string | undefined): void => publish(s === 'ready' ? undefined : detail);
    const onHealth = (h: { signalDbm?: number; registration: string; operator?: string }): void => {
      last = { registration: h.registration, ...(h.signalDbm !== undefined && { signalDbm: h.signalDbm }), ...(h.operator && { operator: h.operator }) };
      publish();
    };
    const onReady = (): void => publish();
    session.on('state', onState);
    session.on('health', onHealth);
    session.on('ready', onReady);
    this.#detach.push(() => session.off('state', onState), () => session.off('health', onHealth), () => session.off('ready', onReady));
    publish();
    this.receive.start();
    this.send.start();
  }

  /** Stops taking work; waits for the send in flight and the message being stored. */
  async stop(): Promise<void> {
    await this.send.stop();
    await this.receive.stop();
    for (const d of this.#detach.splice(0)) d();
  }
}
