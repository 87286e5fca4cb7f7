import { Readable } from 'node:stream';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient, type Packet } from 'mqtt';

/** A PUBLISH the broker delivered on a subscription. */
export interface IncomingMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  /** Set by the broker only for a retained message it hands over at subscription. */
  retain: boolean;
  /** The packet id (QoS 1 and 2), unique among the exchanges open in this session. */
  messageId: number | undefined;
  /** MQTT 5: where the requester wants the answer, and what to echo with it. */
  responseTopic?: string;
  correlationData?: Buffer;
}

/**
 * What the handler decided about an incoming QoS 1/2 message: `ack` it (it is taken care
 * of), `refuse` it (MQTT 5: PUBACK/PUBREC with a failure reason code, so the broker does
 * not deliver it again; 3.1.1 has no such code and acknowledges it), or `hold` it: never
 * acknowledged on this connection, so the broker delivers it again on the next one.
 */
export type IncomingVerdict = { ack: true } | { refuse: 'quota' | 'error' } | { hold: true };

/** The bridge's side of a connection. */
export interface ConnectionHandlers {
  /**
   * An incoming message. For QoS 1 and 2 the broker's acknowledgement (PUBACK, PUBREC)
   * waits until this resolves; messages are handed over one at a time, in order.
   */
  onMessage(message: IncomingMessage): Promise<IncomingVerdict>;
  /**
   * The broker released QoS 2 message `messageId` (PUBREL): PUBCOMP, after which the
   * broker may reuse the id, waits until this resolves. Also called for a release whose
   * PUBLISH arrived before a restart of this process.
   */
  onRelease(messageId: number): Promise<void>;
  /** CONNACK accepted; `sessionPresent`: the broker kept this client id's session. */
  onSession(sessionPresent: boolean): void;
  /** Connected and the messages left unacknowledged on the last connection sent again. */
  onConnect(): void;
  /** The connection was lost (or could not be made); called once per loss, not per retry. */
  onDisconnect(): void;
  onError(err: Error): void;
}

/** How to reach the broker. */
export interface ConnectionOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  protocolVersion: 4 | 5;
  /** CA certificates (PEM) the broker's certificate must chain to, instead of the system's. */
  ca?: Buffer;
  /** Published by the broker if the connection dies without a DISCONNECT. */
  will: { topic: string; payload: string };
  /** First and longest wait between connection attempts (ms); doubled per failed attempt. */
  reconnectMs?: { first: number; max: number };
  /** Seconds the broker keeps the session (subscriptions, queued messages) while we are away (MQTT 5). */
  sessionExpirySeconds?: number;
}

/** A publish to make. */
export interface OutgoingMessage {
  topic: string;
  payload: string | Buffer;
  qos: 0 | 1;
  retain?: boolean;
  /** MQTT 5 only. */
  correlationData?: Buffer;
}

const MQTT5_QUOTA_EXCEEDED = 0x97;
const MQTT5_UNSPECIFIED_ERROR = 0x80;

/**
 * The incoming store of QoS 2 messages between PUBREC and PUBREL. mqtt's own store
 * answers a PUBREL it does not know (one whose PUBLISH came before a restart) with an
 * immediate PUBCOMP that bypasses handleMessage; this one hands back a bare packet
 * instead, so every release reaches the bridge (which must note it durably before the
 * broker may reuse the packet id).
 */
class ReleaseStore {
  readonly #packets = new Map<number, Packet>();

  put(packet: Packet, cb: (err?: Error) => void): this {
    if ('messageId' in packet && packet.messageId !== undefined) this.#packets.set(packet.messageId, packet);
    cb();
    return this;
  }

  get(packet: Pick<IPublishPacket, 'messageId'>, cb: (err?: Error, packet?: Packet) => void): this {
    const id = packet.messageId ?? 0;
    cb(undefined, this.#packets.get(id) ?? ({ cmd: 'publish', qos: 2, messageId: id, topic: '', payload: Buffer.alloc(0), retain: false, dup: false } as IPublishPacket));
    return this;
  }

  del(packet: Pick<IPublishPacket, 'messageId'>, cb: (err?: Error, packet?: Packet) => void): this {
    const id = packet.messageId ?? 0;
    const had = this.#packets.get(id);
    this.#packets.delete(id);
    cb(undefined, had);
    return this;
  }

  createStream(): Readable {
    return Readable.from([...this.#packets.values()]);
  }

  close(cb: (err?: Error) => void): void {
    cb();
  }
}

/**
 * The one place that uses the `mqtt` package: a client with a persistent session
 * (clean off, stable client id), a last will, reconnects with doubling waits, and
 * incoming QoS 1/2 messages acknowledged only once the bridge has dealt with them.
 *
 * How the package acknowledges (node_modules/mqtt/build/lib/handlers/publish.js, pubrel.js):
 * for QoS 1 and 2 it first calls `customHandleAcks(topic, payload, packet, done)`, and
 * only `done(null, code)` sends PUBACK (QoS 1, after handleMessage) or PUBREC (QoS 2);
 * incoming packets are handled one at a time, the next once the previous is done. For
 * QoS 2 the 'message' event and handleMessage come only at PUBREL, and PUBCOMP follows
 * handleMessage's callback. The package uses customHandleAcks only with MQTT 5 and
 * replaces it with an immediate acknowledgement for 3.1.1; the bridge puts its own back
 * on the client's options after construction (where it is read at each packet), so the
 * SMS is on disk before PUBREC with 3.1.1 too, only without failure reason codes.
 */
export class MqttConnection {
  readonly #client: MqttClient;
  readonly #handlers: ConnectionHandlers;
  readonly #v5: boolean;
  readonly #backoff: { first: number; max: number };
  #up = false;
  #closing = false;

  constructor(opts: ConnectionOptions, handlers: ConnectionHandlers) {
    this.#handlers = handlers;
    this.#v5 = opts.protocolVersion === 5;
    this.#backoff = opts.reconnectMs ?? { first: 1000, max: 30_000 };
    const options: IClientOptions = {
      clientId: opts.clientId,
      protocolVersion: opts.protocolVersion,
      clean: false,
      keepalive: 30,
      connectTimeout: 10_000,
      reconnectPeriod: this.#backoff.first,
      resubscribe: true,
      // QoS 0 messages published while disconnected would pile up in memory: dropped instead.
      queueQoSZero: false,
      incomingStore: new ReleaseStore() as unknown as IClientOptions['incomingStore'],
      will: { topic: opts.will.topic, payload: Buffer.from(opts.will.payload), qos: 1, retain: true },
      ...(opts.username !== undefined && { username: opts.username }),
      ...(opts.password !== undefined && { password: opts.password }),
      ...(opts.ca && { ca: opts.ca }),
      ...(this.#v5 && { properties: { sessionExpiryInterval: opts.sessionExpirySeconds ?? 30 * 86_400 } }),
    };
    this.#client = mqtt.connect(opts.url, options);
    this.#client.options.customHandleAcks = (_topic, _payload, packet, done) => {
      void this.#incoming(packet).then((verdict) => {
        if ('hold' in verdict) return;
        // A number alone is the reason code (publish.js): 0 acknowledges.
        if ('ack' in verdict || !this.#v5) done(0);
        else done(verdict.refuse === 'quota' ? MQTT5_QUOTA_EXCEEDED : MQTT5_UNSPECIFIED_ERROR);
      });
    };
    this.#client.handleMessage = (packet, callback) => {
      if (packet.qos === 0) {
        void this.#incoming(packet).then(() => callback());
      } else if (packet.qos === 2) {
        // At PUBREL: the message was handled before its PUBREC.
        handlers.onRelease(packet.messageId ?? 0).then(
          () => callback(),
          () => undefined, // no PUBCOMP on this connection: the broker releases it again
        );
      } else {
        callback(); // QoS 1: handled before its PUBACK
      }
    };
    this.#client.on('packetreceive', (packet) => {
      if (packet.cmd === 'connack' && (packet.reasonCode ?? packet.returnCode ?? 0) === 0) handlers.onSession(packet.sessionPresent);
    });
    this.#client.on('connect', () => {
      this.#client.options.reconnectPeriod = this.#backoff.first;
      if (!this.#up) {
        this.#up = true;
        handlers.onConnect();
      }
    });
    this.#client.on('close', () => this.#lost());
    this.#client.on('offline', () => this.#lost());
    // Each attempt that fails doubles the wait before the next (read by the package when it sets its timer).
    this.#client.on('reconnect', () => {
      this.#client.options.reconnectPeriod = Math.min(this.#backoff.max, (this.#client.options.reconnectPeriod ?? this.#backoff.first) * 2);
    });
    this.#client.on('error', (err) => handlers.onError(err));
  }

  /** Whether the connection is up now. */
  get connected(): boolean {
    return this.#client.connected;
  }

  /**
   * Publishes; resolves once the broker acknowledged (QoS 1: PUBACK) or the packet was
   * written (QoS 0). While disconnected, QoS 1 messages wait in the client and are sent
   * (again, if they were in flight) once it reconnects; QoS 0 messages fail.
   */
  publish(m: OutgoingMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      if (m.qos === 0 && !this.#client.connected) {
        reject(new Error('not connected'));
        return;
      }
      const properties = this.#v5 && m.correlationData ? { correlationData: m.correlationData } : undefined;
      this.#client.publish(m.topic, m.payload, { qos: m.qos, retain: m.retain ?? false, ...(properties && { properties }) }, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Subscribes (kept by the session, and renewed by the client after a session loss). */
  subscribe(topics: string[], qos: 0 | 1 | 2): Promise<void> {
    const map = Object.fromEntries(topics.map((t) => [t, this.#v5 ? { qos, nl: true } : { qos }]));
    return new Promise((resolve, reject) => {
      this.#client.subscribe(map, (err) => (err ? reject(err) : resolve()));
    });
  }

  /**
   * Ends the connection: publishes `last` if connected, lets publishes in flight be
   * acknowledged, then sends DISCONNECT (so the broker does not publish the last will);
   * whatever is left after `timeoutMs` is cut. The session stays at the broker.
   */
  async close(last: OutgoingMessage | undefined, timeoutMs = 2000): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
    try {
      if (last && this.#client.connected) await Promise.race([this.publish(last).catch(() => undefined), deadline]);
      const ended = new Promise<'ended'>((resolve) => this.#client.end(!this.#client.connected, {}, () => resolve('ended')));
      if ((await Promise.race([ended, deadline])) === 'late') this.#client.stream?.destroy();
    } finally {
      clearTimeout(timer);
    }
  }

  #lost(): void {
    if (!this.#up) return;
    this.#up = false;
    this.#handlers.onDisconnect();
  }

  async #incoming(packet: IPublishPacket): Promise<IncomingVerdict> {
    const props = packet.properties;
    const message: IncomingMessage = {
      topic: packet.topic,
      payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
      qos: packet.qos,
      retain: packet.retain,
      messageId: packet.messageId,
      ...(props?.responseTopic !== undefined && { responseTopic: props.responseTopic }),
      ...(props?.correlationData !== undefined && { correlationData: props.correlationData }),
    };
    try {
      return await this.#handlers.onMessage(message);
    } catch (err) {
      this.#handlers.onError(err as Error);
      return { hold: true };
    }
  }
}
