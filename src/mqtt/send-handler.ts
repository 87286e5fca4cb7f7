import { isKatarError, KatarError } from '../errors.js';
import type { SendIntake, SendRequest } from '../gateway/send-intake.js';
import type { IncomingMessage, IncomingVerdict } from './mqtt-client.js';
import type { MqttContact } from './mqtt-config.js';
import type { PacketGenerations } from './packet-generations.js';
import type { BridgeTopics } from './topics.js';

/** What `<prefix>/send/result` (or the request's response topic) carries. */
export interface SendResult {
  ok: boolean;
  _id?: string;
  /** True when the idempotency key named a task made before: no new SMS. */
  duplicate?: boolean;
  error?: string;
  code?: string;
  field?: string;
  idempotencyKey?: string;
}

/** How a send over MQTT ended, for the metrics. */
export type SendOutcome = 'accepted' | 'duplicate' | 'invalid' | 'refused';

const BODY_KEYS = ['to', 'msg', 'priority', 'sendAt', 'validUntil', 'idempotencyKey', 'via', 'queue'];

/** Refusals of the store worth retrying later: as 507/429/503 over HTTP, the producer is told. */
const STORE_REFUSALS = ['STORAGE_FULL', 'STORE_UNAVAILABLE', 'QUEUE_FULL'] as const;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface SendHandlerDeps {
  intake: SendIntake;
  /** The queue of sends that name none (the first configured). */
  defaultQueue: string;
  topics: BridgeTopics;
  contacts: readonly MqttContact[];
  generations: PacketGenerations;
  /** Publishes a result (QoS 1, not awaited by the acknowledgement). */
  reply: (topic: string, result: SendResult, correlationData: Buffer | undefined) => void;
  onOutcome: (outcome: SendOutcome) => void;
  /** True once the bridge stops: messages are then left unacknowledged, for the next run. */
  stopping: () => boolean;
}

/**
 * Sends over MQTT: a JSON send on `<prefix>/send`, or plain text to a contact on
 * `<prefix>/send/<contact>`, validated by the SendIntake exactly as over HTTP. The SMS is
 * on disk when this resolves, and only then does the client acknowledge the message
 * (mqtt-client.ts). A message delivered again must not become a second SMS: its
 * `idempotencyKey`, or for QoS 2 without one a key made of the packet id
 * (packet-generations.ts), finds the task made the first time. A result goes to the
 * response topic of an MQTT 5 request, else to `<prefix>/send/result`.
 */
export class SendHandler {
  readonly #deps: SendHandlerDeps;
  readonly #contacts: ReadonlyMap<string, MqttContact>;

  constructor(deps: SendHandlerDeps) {
    this.#deps = deps;
    this.#contacts = new Map(deps.contacts.map((c) => [c.name, c]));
  }

  async handle(m: IncomingMessage): Promise<IncomingVerdict> {
    const { topics } = this.#deps;
    // Our own results (3.1.1 has no "no local" subscription option).
    if (m.topic === topics.result) return { ack: true };
    if (this.#deps.stopping()) return { hold: true };
    // An empty payload is what clearing a retained message publishes: nothing to send, nothing to answer.
    if (m.payload.length === 0) return { ack: true };
    // A retained send would be handed over again at every subscription: an SMS per restart.
    if (m.retain) return this.#refused(m, new KatarError('VALIDATION', 'a retained send is refused: the broker would deliver it again at every (re)subscription; clear it with an empty retained message', { field: 'retain' }), undefined);
    let request: { queue: string; send: SendRequest; key: string | undefined };
    try {
      request = this.#request(m);
    } catch (err) {
      return this.#refused(m, err, undefined);
    }
    const send = { ...request.send };
    // A key of the requester wins; a QoS 2 message without one is known by its packet id.
    const key = request.key ?? (m.qos === 2 && m.messageId !== undefined ? this.#deps.generations.key(m.messageId) : undefined);
    if (key !== undefined) send.idempotencyKey = key;
    try {
      const [r] = await this.#deps.intake.submit(request.queue, [send], () => '');
      const created = r!.created;
      this.#deps.onOutcome(created ? 'accepted' : 'duplicate');
      this.#answer(m, { ok: true, _id: r!.task._id, ...(!created && { duplicate: true }), ...(request.key !== undefined && { idempotencyKey: request.key }) });
      return { ack: true };
    } catch (err) {
      if (isKatarError(err, 'SHUTTING_DOWN') || this.#deps.stopping()) return { hold: true };
      return this.#refused(m, err, request.key);
    }
  }

  /** The queue, the send and the requester's key, from the topic and payload; VALIDATION naming the field. */
  #request(m: IncomingMessage): { queue: string; send: SendRequest; key: string | undefined } {
    const { topics, defaultQueue } = this.#deps;
    let text: string;
    try {
      text = utf8.decode(m.payload);
    } catch {
      throw new KatarError('VALIDATION', 'the payload is not valid UTF-8', { field: 'payload' });
    }
    if (m.topic === topics.send) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new KatarError('VALIDATION', 'the payload must be a JSON object {to, msg, ...} (plain text goes to <prefix>/send/<contact>)', { field: 'payload' });
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new KatarError('VALIDATION', 'the payload must be a JSON object {to, msg, ...}', { field: 'payload' });
      const b = body as Record<string, unknown>;
      for (const k of Object.keys(b)) if (!BODY_KEYS.includes(k)) throw new KatarError('VALIDATION', `${k} is not a field of a send (fields: ${BODY_KEYS.join(', ')})`, { field: k });
      if (b.to === undefined) throw new KatarError('VALIDATION', 'to is required', { field: 'to' });
      if (b.msg === undefined) throw new KatarError('VALIDATION', 'msg is required', { field: 'msg' });
      if (b.queue !== undefined && typeof b.queue !== 'string') throw new KatarError('VALIDATION', 'queue must be a queue name', { field: 'queue' });
      const { queue, idempotencyKey, ...send } = b;
      // Checked here only for its type: the intake checks its length.
      if (idempotencyKey !== undefined && typeof idempotencyKey !== 'string') throw new KatarError('VALIDATION', 'idempotencyKey must be a string of 1 to 200 characters', { field: 'idempotencyKey' });
      return { queue: (queue as string | undefined) ?? defaultQueue, send: { ...send, to: b.to, msg: b.msg, ...(idempotencyKey !== undefined && { idempotencyKey }) }, key: idempotencyKey };
    }
    const name = m.topic.slice(topics.send.length + 1);
    const contact = this.#contacts.get(name);
    if (!contact) {
      const known = [...this.#contacts.keys()];
      throw new KatarError('VALIDATION', `no contact named "${name}" (${known.length ? `contacts: ${known.join(', ')}` : 'no contacts are configured'})`, { field: 'contact' });
    }
    return { queue: defaultQueue, send: { to: contact.to, msg: text }, key: undefined };
  }

  #refused(m: IncomingMessage, err: unknown, key: string | undefined): IncomingVerdict {
    const known = err instanceof KatarError;
    const field = known && typeof err.details?.field === 'string' ? err.details.field : undefined;
    const code = known ? (field === 'contact' ? 'CONTACT_NOT_FOUND' : err.code) : 'INTERNAL';
    this.#answer(m, { ok: false, error: known ? err.message : 'the gateway could not take the send', code, ...(field !== undefined && { field }), ...(key !== undefined && { idempotencyKey: key }) });
    const storeRefusal = known && (STORE_REFUSALS as readonly string[]).includes(err.code);
    this.#deps.onOutcome(storeRefusal || !known ? 'refused' : 'invalid');
    if (storeRefusal) return { refuse: err.code === 'STORE_UNAVAILABLE' ? 'error' : 'quota' };
    return known ? { ack: true } : { refuse: 'error' };
  }

  #answer(m: IncomingMessage, result: SendResult): void {
    this.#deps.reply(m.responseTopic ?? this.#deps.topics.result, result, m.correlationData);
  }
}
