import { createHash } from 'node:crypto';
import { isKatarError, STORE_DOWN } from '../errors.js';
import type { Logger } from '../log.js';
import { SerialChain } from '../serial-chain.js';
import { ConcatAssembler, decodePdu, type AssembledMessage, type DecodedDeliver, type DecodedStatusReport } from '../modem/pdu/index.js';
import type { ModemSessionApi, StoredPdu } from '../modem/session/types.js';
import { modemKey } from './modem-key.js';
import type { InboxSink } from './work-source.js';

/** Options of the receive side of one built-in worker. */
export interface ReceivePipelineOptions {
  session: ModemSessionApi;
  sink: InboxSink;
  /** Inbox `source`, `modem:<name>`. */
  source: string;
  /**
   * What makes this modem's dedupe keys unique in the store (default: `source`). Modem
   * names are unique on one box, not across a fleet sharing one inbox: there it is the
   * worker id, `builtin:<gateway id>:<modem>`, so the same SMS sent to two boxes' SIMs
   * is stored twice, as it should be.
   */
  dedupScope?: string;
  logger: Logger;
  /** A concatenated message with parts missing is delivered (marked incomplete) after this long. */
  concatTimeoutMs?: number;
  /** How often the modem's storage is listed, because notifications get lost. */
  listingIntervalMs?: number;
}

/** The first wait before the storage is listed again after the store refused a message, doubling up to the last. */
const STORE_RETRY_MS = { initialMs: 1_000, maxMs: 30_000 };

/** A part of a received message and the storage slot it sits in (none for +CMT). */
type Part = DecodedDeliver & { slot?: { storage: string; index: number } };

/**
 * Receives SMS from the modem into the inbox: on +CMTI read the message, store it
 * durably, and only then delete it from the modem. Parts of a concatenated message stay
 * on the modem until the whole message is stored. The storage is also listed at start
 * and periodically, since notifications get lost, duplicated or mislabelled; a message
 * read twice is stored once (its identity is the inbox's dedup key).
 */
export class ReceivePipeline {
  readonly #o: ReceivePipelineOptions;
  readonly #assembler = new ConcatAssembler<Part>();
  /** Slots held in the assembler, so that a re-listing does not add them twice. */
  readonly #held = new Set<string>();
  /** Extra slots holding duplicate copies of a part, deleted with their message. */
  readonly #extraSlots = new Map<string, Array<{ storage: string; index: number }>>();
  /** Modem dialogues one at a time: a read, a store and a delete never interleave. */
  readonly #chain = new SerialChain();
  #timer: NodeJS.Timeout | undefined;
  /** The next listing after the store refused a message, and the backoff (0: no refusal since the last good listing). */
  #retryTimer: NodeJS.Timeout | undefined;
  #retryMs = 0;
  #stopped = false;
  readonly #unsubscribe: Array<() => void> = [];

  constructor(opts: ReceivePipelineOptions) {
    this.#o = opts;
  }

  /** Subscribes to the session and starts the periodic listing of the modem's storage. */
  start(): void {
    const { session } = this.#o;
    const on = <A extends unknown[]>(event: Parameters<ModemSessionApi['on']>[0], fn: (...args: A) => void): void => {
      session.on(event, fn as never);
      this.#unsubscribe.push(() => session.off(event, fn as never));
    };
    on('stored', (where: { storage: string; index: number }) => this.#enqueue(() => this.#readSlot(where.storage, where.index)));
    on('deliver', (pdu: string) => this.#enqueue(() => this.#handle({ storage: '', index: -1, pdu }, false)));
    on('statusReport', (pdu: string) => this.#enqueue(() => this.#handle({ storage: '', index: -1, pdu }, false)));
    on('ready', () => this.#enqueue(() => this.listStored()));
    const every = this.#o.listingIntervalMs ?? 60_000;
    this.#timer = setInterval(() => this.#enqueue(() => this.listStored()), every);
    this.#timer.unref();
    if (session.state === 'ready') this.#enqueue(() => this.listStored());
  }

  /** Stops listening; resolves when the message being handled is stored. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    for (const u of this.#unsubscribe.splice(0)) u();
    await this.#chain.idle();
  }

  #enqueue(job: () => Promise<void>): void {
    void this.#chain.run(job).catch((err: unknown) => {
      if (isKatarError(err, 'MODEM_CLOSED', 'MODEM_TIMEOUT', 'MODEM_BUSY', 'NOT_REGISTERED')) this.#o.logger.info({ code: err.code }, 'receiving paused until the modem is back; the next listing catches up');
      else if (isKatarError(err, ...STORE_DOWN)) this.#storeRefused(err.code);
      else this.#o.logger.error({ err }, 'receiving failed; the next listing retries');
    });
  }

  /**
   * The store refused a received message (a database that cannot be reached, a full
   * disk): it stays on the modem, and the storage is listed again soon, with backoff,
   * rather than at the next periodic listing, so that it is stored once the store writes.
   */
  #storeRefused(code: string): void {
    if (this.#stopped || this.#retryTimer) return;
    this.#retryMs = this.#retryMs === 0 ? STORE_RETRY_MS.initialMs : Math.min(STORE_RETRY_MS.maxMs, this.#retryMs * 2);
    this.#o.logger.warn({ code, retryInMs: this.#retryMs }, 'the store refuses received SMS: they stay on the modem and are stored once it writes again');
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#enqueue(() => this.listStored());
    }, this.#retryMs);
    this.#retryTimer.unref();
  }

  /** Lists the storage and handles everything in it. */
  async listStored(): Promise<void> {
    if (this.#o.session.state !== 'ready') return;
    const stored = await this.#o.session.list();
    for (const s of stored) await this.#handle(s, true);
    await this.#expire();
    this.#retryMs = 0;
  }

  async #readSlot(storage: string, index: number): Promise<void> {
    if (this.#held.has(`${storage}:${index}`)) return;
    const s = await this.#o.session.read(storage, index);
    if (s) await this.#handle(s, true);
  }

  async #handle(s: StoredPdu, inStorage: boolean): Promise<void> {
    const slotKey = `${s.storage}:${s.index}`;
    if (inStorage && this.#held.has(slotKey)) return;
    let decoded;
    try {
      decoded = decodePdu(s.pdu);
    } catch (err) {
      // Kept on the modem would fill its storage and be re-read every minute; the PDU is logged at debug.
      this.#o.logger.warn({ storage: s.storage, index: s.index, code: isKatarError(err) ? err.code : undefined }, 'undecodable message removed from the modem');
      this.#o.logger.debug({ pdu: s.pdu }, 'undecodable PDU');
      if (inStorage) await this.#o.session.remove(s.storage, s.index);
      return;
    }
    if (decoded.type === 'submit') return; // a stored outgoing message: not ours to touch
    if (decoded.type === 'status-report') {
      await this.#statusReport(decoded);
      if (inStorage) await this.#o.session.remove(s.storage, s.index);
      return;
    }
    const part: Part = inStorage ? { ...decoded, slot: { storage: s.storage, index: s.index } } : decoded;
    const added = this.#assembler.add(part, performance.now());
    if (added.status === 'pending') {
      if (inStorage) this.#held.add(slotKey);
      return;
    }
    if (added.status === 'duplicate') {
      if (inStorage) {
        this.#held.add(slotKey);
        const extra = this.#extraSlots.get(added.key) ?? [];
        extra.push({ storage: s.storage, index: s.index });
        this.#extraSlots.set(added.key, extra);
      }
      return;
    }
    await this.#deliver(added.message);
  }

  async #deliver(m: AssembledMessage<Part>): Promise<void> {
    const first = m.parts[0]!;
    const c = first.concat;
    const identity = [first.senderType, first.sender, first.timestamp.toISOString(), c ? `${c.referenceBits}:${c.reference}/${c.total}` : '', m.text].join('|');
    const dedupKey = `${this.#o.dedupScope ?? this.#o.source}:${createHash('sha256').update(identity).digest('hex').slice(0, 32)}`;
    const slots = [...m.parts.flatMap((p) => (p.slot ? [p.slot] : [])), ...(m.key ? (this.#extraSlots.get(m.key) ?? []) : [])];
    if (m.key) this.#extraSlots.delete(m.key);
    let duplicate: boolean;
    try {
      ({ duplicate } = await this.#o.sink.receive({
        from: first.sender,
        msg: m.text,
        source: this.#o.source,
        sentAt: first.timestamp,
        dedupKey,
        ...(!m.complete && { incomplete: true }),
      }));
    } catch (err) {
      // Not stored: the assembler has let the message go, so every part is to be read
      // again from the modem at the next listing (held, the earlier parts would be skipped
      // and the last one would start a message of its own).
      for (const slot of slots) this.#held.delete(`${slot.storage}:${slot.index}`);
      throw err;
    }
    if (duplicate) this.#o.logger.debug({ dedupKey }, 'message already in the inbox (read twice)');
    // Stored durably: now the modem's copies can go.
    for (const slot of slots) {
      await this.#o.session.remove(slot.storage, slot.index);
      this.#held.delete(`${slot.storage}:${slot.index}`);
    }
  }

  async #expire(): Promise<void> {
    const timeout = this.#o.concatTimeoutMs ?? 5 * 60_000;
    for (const m of this.#assembler.expire(performance.now() - timeout)) {
      this.#o.logger.warn({ missing: m.missing }, 'concatenated message incomplete after the timeout: delivered with parts missing');
      await this.#deliver(m);
    }
  }

  /** Hands a status report to the sink with the modem it came from (docs/DELIVERY.md). */
  async #statusReport(r: DecodedStatusReport): Promise<void> {
    const { session, sink, logger } = this.#o;
    const modem = modemKey(session.name, session.identity);
    const taken = await sink.delivery({ modem, reference: r.messageReference, recipient: r.recipient, status: r.status });
    if (!taken) logger.debug({ mr: r.messageReference, status: r.status }, 'status report not tracked in this mode');
  }
}
