import type { ModemBoard, ModemHealth } from '../gateway/modem-board.js';
import type { SmsQueue } from '../queue/sms-queue.js';
import type { InboxEntry } from '../queue/task.js';
import type { BridgeTopics } from './topics.js';

/** A retained state publish (QoS 1). */
export type StatePublish = (topic: string, payload: string) => void;

/**
 * What a modem topic says once its value is no longer known (the link to the modem was
 * lost, so its last signal is stale): Home Assistant's MQTT entities read the payload
 * `None` as "unknown", where an empty retained payload would only delete the message.
 */
export const UNKNOWN_PAYLOAD = 'None';

const MODEM_FIELDS = [
  ['state', (h: ModemHealth) => h.state],
  ['signal', (h: ModemHealth) => (h.signalDbm === undefined ? undefined : String(h.signalDbm))],
  ['operator', (h: ModemHealth) => h.operator],
  ['registration', (h: ModemHealth) => h.registration],
] as const;

/**
 * The retained state topics: each modem's state, signal, operator and registration (from
 * the ModemBoard), each queue's depth (queued tasks, at most one publish per `debounceMs`)
 * and the last received SMS. A topic is published when its value changes while
 * connected, and every topic again at each connect (a broker that lost its retained
 * messages has them back). A modem value not known yet (no signal yet) is not published;
 * one that was known and is no longer (the link to the modem was lost) is published as
 * UNKNOWN_PAYLOAD, so nobody reads a stale signal as current.
 */
export class StatePublisher {
  readonly #values = new Map<string, string>();
  readonly #queue: SmsQueue;
  readonly #modems: ModemBoard;
  readonly #topics: BridgeTopics;
  readonly #publish: StatePublish;
  readonly #connected: () => boolean;
  readonly #debounceMs: number;
  #depthTimer: NodeJS.Timeout | undefined;

  constructor(opts: { queue: SmsQueue; modems: ModemBoard; topics: BridgeTopics; publish: StatePublish; connected: () => boolean; debounceMs?: number }) {
    this.#queue = opts.queue;
    this.#modems = opts.modems;
    this.#topics = opts.topics;
    this.#publish = opts.publish;
    this.#connected = opts.connected;
    this.#debounceMs = opts.debounceMs ?? 1000;
  }

  readonly #onModem = (h: ModemHealth): void => {
    for (const [what, read] of MODEM_FIELDS) {
      const topic = this.#topics.modem(h.name, what);
      // A value never known is not published; one that went away becomes "unknown".
      this.#set(topic, read(h) ?? (this.#values.has(topic) ? UNKNOWN_PAYLOAD : undefined));
    }
  };

  readonly #onStatus = (): void => {
    this.#depthTimer ??= setTimeout(() => {
      this.#depthTimer = undefined;
      this.#depths();
    }, this.#debounceMs);
  };

  readonly #onSms = (e: InboxEntry): void => this.#lastReceived(e);

  /** Reads the current state (modems, depths, the newest received SMS) and follows changes. */
  async start(): Promise<void> {
    let newest: InboxEntry | undefined;
    for (const q of this.#queue.queueNames) {
      const [entry] = (await this.#queue.listInbox(q, { limit: 1, order: 'desc' })).items;
      if (entry && (!newest || entry.receivedAt > newest.receivedAt)) newest = entry;
    }
    if (newest) this.#lastReceived(newest);
    for (const h of this.#modems.all()) this.#onModem(h);
    this.#depths();
    this.#modems.on('modem', this.#onModem);
    this.#queue.on('status', this.#onStatus);
    this.#queue.on('sms', this.#onSms);
  }

  /** Publishes every state topic (at connect). */
  publishAll(): void {
    for (const [topic, value] of this.#values) this.#publish(topic, value);
  }

  stop(): void {
    clearTimeout(this.#depthTimer);
    this.#depthTimer = undefined;
    this.#modems.off('modem', this.#onModem);
    this.#queue.off('status', this.#onStatus);
    this.#queue.off('sms', this.#onSms);
  }

  #depths(): void {
    for (const q of this.#queue.queueNames) this.#set(this.#topics.queueDepth(q), String(this.#queue.counts(q).queued));
  }

  #lastReceived(e: InboxEntry): void {
    this.#set(this.#topics.lastReceived, JSON.stringify({ from: e.from, text: e.msg, time: e.receivedAt, queue: e.queue }));
  }

  #set(topic: string, value: string | undefined): void {
    if (value === undefined || this.#values.get(topic) === value) return;
    this.#values.set(topic, value);
    if (this.#connected()) this.#publish(topic, value);
  }
}
