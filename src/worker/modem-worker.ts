import type { GatewayParts } from '../gateway/gateway-parts.js';
import { builtinWorkerId } from '../gateway/gateway-id.js';
import type { Logger } from '../log.js';
import type { ModemSessionApi } from '../modem/session/types.js';
import type { StatusReportIn } from '../queue/delivery-book.js';
import type { DeliveryLedger } from '../queue/sms-queue.js';
import type { PacingGate, PacingPause } from './pacing.js';
import type { DeliveryBacklog } from './delivery-backlog.js';
import { ReceivePipeline } from './receive-pipeline.js';
import { startModemServices, type ModemServices } from './modem-services.js';
import type { BalanceCheck, CallSettings } from '../config/modem-extras.js';
import { SendLoop } from './send-loop.js';
import { LocalQueue, type InboxSink, type WorkSource } from './work-source.js';

/** Options of a built-in worker. */
export interface ModemWorkerOptions {
  name: string;
  session: ModemSessionApi;
  /** The gateway's queue and where modem health is published (healthz, metrics, `modem` events); absent in remote worker mode. */
  parts?: Pick<GatewayParts, 'id' | 'queue' | 'modems'> & Partial<Pick<GatewayParts, 'controls'>>;
  /** The in-process queue to drain (built-in worker of `serve`)... */
  queueName?: string;
  /** ...or any work source and inbox (remote worker mode). */
  source?: WorkSource & InboxSink;
  statusReports: boolean;
  logger: Logger;
  concatTimeoutMs?: number;
  listingIntervalMs?: number;
  /** The periodic USSD balance check (modem-services.ts); absent: none. */
  balance?: BalanceCheck;
  /** Incoming calls; absent: rejected. */
  calls?: CallSettings;
  /** Pacing, caps and sending hours of this modem (loaded; closed by `stop`). */
  pacing?: PacingGate;
  /** The queue is shared with other gateways (a fleet): received SMS are told apart by gateway too. */
  sharedStore?: boolean;
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
  /** USSD, calls and the balance check, from start to stop. */
  #services: ModemServices | undefined;
  /** The pause pacing holds the modem in, published with its health. */
  #pause: PacingPause | undefined;
  #backlog: DeliveryBacklog | undefined;
  #lastError: string | undefined;
  #publish: (() => void) | undefined;

  constructor(o: ModemWorkerOptions) {
    this.#o = o;
    this.name = o.name;
    const logger = o.logger.child({ module: 'worker', modem: o.name });
    const gatewayId = o.parts?.id;
    const workerId = gatewayId ? builtinWorkerId(gatewayId, o.name) : `builtin:${o.name}`;
    // The built-in worker takes the tasks routed to its modem too; a remote source decides for itself.
    const local = o.source ? undefined : new LocalQueue(o.parts!.queue, o.queueName ?? 'sms', workerId, undefined, { modem: o.name }, logger);
    const source = o.source ?? local!;
    this.#backlog = local?.backlog;
    if (!o.source) this.#watchReports(o.parts!.queue.deliveries, logger);
    const onPause = (p: PacingPause | undefined): void => {
      this.#pause = p;
      this.#publish?.();
    };
    this.send = new SendLoop({ session: o.session, source, statusReports: o.statusReports, logger, ...(o.pacing && { pacing: o.pacing, onPause }) });
    this.receive = new ReceivePipeline({
      session: o.session,
      sink: source,
      source: `modem:${o.name}`,
      ...(o.sharedStore && { dedupScope: workerId }),
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
        ...(this.#pause && { pauseReason: this.#pause.reason, pausedUntil: new Date(this.#pause.until).toISOString(), pauseDetail: this.#pause.detail }),
        ...(session.recovery && { recovery: session.recovery.step }),
        updatedAt: new Date().toISOString(),
      });
    };
    this.#publish = () => publish(session.state === 'ready' ? undefined : this.#lastError);
    // The detail of 'ready' is the registration (home, roaming), not an error.
    const onState = (s: unknown, detail: string | undefined): void => {
      this.#lastError = s === 'ready' ? undefined : detail;
      // Signal, registration and operator are sampled only while the modem is on the
      // network; once the link is lost they are no longer true (an unplugged modem has no signal).
      if (s !== 'ready' && s !== 'not-registered') last = {};
      publish(this.#lastError);
    };
    const onHealth = (h: { signalDbm?: number; registration: string; operator?: string }): void => {
      last = { registration: h.registration, ...(h.signalDbm !== undefined && { signalDbm: h.signalDbm }), ...(h.operator && { operator: h.operator }) };
      publish();
    };
    const onReady = (): void => publish();
    // Each healing step is counted and announced (a modem.state event per step).
    const onRecovery = (r: { step: string; detail: string }): void => {
      parts?.modems.countRecovery(name, r.step);
      publish(r.detail);
    };
    session.on('state', onState);
    session.on('health', onHealth);
    session.on('ready', onReady);
    session.on('recovery', onRecovery);
    this.#detach.push(() => session.off('state', onState), () => session.off('health', onHealth), () => session.off('ready', onReady), () => session.off('recovery', onRecovery));
    publish();
    const { balance, calls, logger } = this.#o;
    this.#services = startModemServices({ name, session, parts: parts?.controls && { queue: parts.queue, controls: parts.controls }, balance, calls, logger });
    this.receive.start();
    this.send.start();
  }

  /** Stops taking work; waits for the send in flight and the message being stored. */
  async stop(): Promise<void> {
    await this.#services?.stop();
    this.#services = undefined;
    await this.send.stop();
    await this.receive.stop();
    // The store may write again by now: one last try for what waits, then what is left is said.
    await this.#backlog?.flush();
    this.#backlog?.stop();
    await this.#o.pacing?.close().catch((err: unknown) => this.#o.logger.warn({ err, modem: this.name }, 'could not write the send counters at stop; the reserve written before the sends stands'));
    for (const d of this.#detach.splice(0)) d();
  }
}
