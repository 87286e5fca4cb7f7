import { readFile } from 'node:fs/promises';
import { KatarError } from '../errors.js';
import type { GatewayParts } from '../gateway/gateway-parts.js';
import type { Logger } from '../log.js';
import { packageVersion } from '../package-version.js';
import { DiscoveryPublisher } from './discovery-publisher.js';
import { EventPublisher, type PublisherTiming } from './event-publisher.js';
import { MqttConnection, type IncomingMessage, type IncomingVerdict } from './mqtt-client.js';
import { mqttClientId, type MqttConfig } from './mqtt-config.js';
import { PacketGenerations } from './packet-generations.js';
import { SendHandler, type SendOutcome, type SendResult } from './send-handler.js';
import { StatePublisher } from './state-publisher.js';
import { bridgeTopics, type BridgeTopics } from './topics.js';

/**
 * The reserved name of the event cursor and claim of one topic prefix (webhook names have
 * no `:`); the prefix is encoded so that the name stays one file name in the data directory.
 */
export function eventCursorName(topicPrefix: string): string {
  return `mqtt:${encodeURIComponent(topicPrefix)}`;
}

/** What the bridge publishes, as counted in the metrics. */
export type PublishKind = 'event' | 'state' | 'discovery' | 'result';

export const PUBLISH_KINDS: readonly PublishKind[] = ['event', 'state', 'discovery', 'result'];
export const SEND_OUTCOMES: readonly SendOutcome[] = ['accepted', 'duplicate', 'invalid', 'refused'];

/** Counters since start, for /metrics. */
export interface MqttStats {
  connected: boolean;
  /** Publishes acknowledged by the broker (QoS 1) or written (QoS 0), and those that failed, by kind. */
  published: Record<PublishKind, number>;
  failed: Record<PublishKind, number>;
  /** Sends received over MQTT, by outcome. */
  sends: Record<SendOutcome, number>;
  /** The last event id up to which the broker acknowledged every event. */
  eventCursor: number;
}

export interface MqttBridgeOptions {
  config: MqttConfig;
  gatewayId: string;
  dataDir: string;
  parts: Pick<GatewayParts, 'queue' | 'intake' | 'modems'>;
  /** The configured modem names (for discovery: modems that have not reported yet count too). */
  modems: readonly string[];
  /** Where people open the dashboard (the device's link in Home Assistant), when known. */
  dashboardUrl?: string;
  /** The queue is shared with other gateways (a fleet): per-box topics and shared send subscriptions (topics.ts). */
  sharedStore?: boolean;
  logger: Logger;
  /** Shorter waits for tests. */
  timing?: { reconnectMs?: { first: number; max: number }; publisher?: Partial<PublisherTiming>; depthDebounceMs?: number };
}

/**
 * The MQTT bridge (README, "MQTT"): events out, retained state topics, Home Assistant
 * discovery, and sends in, over one persistent session. Nothing on the gateway's send
 * path waits on the broker: start returns while the client is still connecting, and a
 * broker that is away only delays what the bridge publishes.
 */
export class MqttBridge {
  readonly #o: MqttBridgeOptions;
  readonly #log: Logger;
  readonly #topics: BridgeTopics;
  readonly #clientId: string;
  readonly #stats: MqttStats;
  #connection!: MqttConnection;
  #events!: EventPublisher;
  #states!: StatePublisher;
  #discovery!: DiscoveryPublisher;
  #sends!: SendHandler;
  #generations!: PacketGenerations;
  /** Settles once the epoch is advanced after a connect without a session; messages wait for it. */
  #sessionReady: Promise<void> = Promise.resolve();
  #subscribed = false;
  #unreachableLogged = false;
  #stopping = false;
  #stopped: Promise<void> | undefined;

  private constructor(o: MqttBridgeOptions) {
    this.#o = o;
    this.#log = o.logger.child({ module: 'mqtt' });
    this.#topics = bridgeTopics(o.config.topicPrefix, o.sharedStore ? o.gatewayId : undefined);
    this.#clientId = mqttClientId(o.config, o.gatewayId);
    const zero = <K extends string>(keys: readonly K[]): Record<K, number> => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
    this.#stats = { connected: false, published: zero(PUBLISH_KINDS), failed: zero(PUBLISH_KINDS), sends: zero(SEND_OUTCOMES), eventCursor: 0 };
  }

  /** Opens the bridge's files and starts connecting; does not wait for the broker. */
  static async start(o: MqttBridgeOptions): Promise<MqttBridge> {
    const bridge = new MqttBridge(o);
    try {
      await bridge.#open();
    } catch (err) {
      bridge.#stopping = true;
      bridge.#states?.stop();
      await bridge.#events?.close().catch(() => undefined);
      await bridge.#connection?.close(undefined, 500);
      throw err;
    }
    return bridge;
  }

  get clientId(): string {
    return this.#clientId;
  }

  stats(): MqttStats {
    return { ...this.#stats, connected: this.#connection.connected, eventCursor: this.#events.cursor, published: { ...this.#stats.published }, failed: { ...this.#stats.failed }, sends: { ...this.#stats.sends } };
  }

  /** Publishes `offline` (retained), lets publishes in flight be acknowledged, disconnects, saves the event cursor. */
  stop(): Promise<void> {
    this.#stopped ??= this.#close();
    return this.#stopped;
  }

  async #open(): Promise<void> {
    const { config, parts, dataDir } = this.#o;
    let ca: Buffer | undefined;
    if (config.caFile !== undefined) {
      try {
        ca = await readFile(config.caFile);
      } catch (err) {
        throw new KatarError('CONFIG_INVALID', `config: mqtt.caFile cannot be read: ${(err as Error).message}`, { key: 'mqtt.caFile' }, { cause: err });
      }
    }
    this.#generations = await PacketGenerations.open(dataDir, this.#clientId);
    const input = config.discovery
      ? { gatewayId: this.#o.gatewayId, version: packageVersion(), topicPrefix: config.topicPrefix, ...(this.#o.sharedStore && { box: this.#o.gatewayId }), discoveryPrefix: config.discoveryPrefix, modems: [...this.#o.modems], queues: [...parts.queue.queueNames], contacts: config.contacts.map((c) => ({ ...c })), ...(this.#o.dashboardUrl !== undefined && { dashboardUrl: this.#o.dashboardUrl }) }
      : undefined;
    this.#discovery = await DiscoveryPublisher.open(dataDir, input);
    this.#sends = new SendHandler({
      intake: parts.intake,
      defaultQueue: parts.queue.queueNames[0]!,
      topics: this.#topics,
      contacts: config.contacts,
      generations: this.#generations,
      reply: (topic, result, correlationData) => this.#reply(topic, result, correlationData),
      onOutcome: (outcome) => this.#stats.sends[outcome]++,
      stopping: () => this.#stopping,
    });
    this.#states = new StatePublisher({
      queue: parts.queue,
      modems: parts.modems,
      topics: this.#topics,
      connected: () => this.#connection.connected,
      publish: (topic, payload) => void this.#counted('state', this.#connection.publish({ topic, payload, qos: 1, retain: true })),
      ...(this.#o.timing?.depthDebounceMs !== undefined && { debounceMs: this.#o.timing.depthDebounceMs }),
    });
    this.#log.info({ url: config.url, clientId: this.#clientId, topicPrefix: config.topicPrefix, discovery: config.discovery }, `MQTT bridge: connecting to ${config.url} as ${this.#clientId}`);
    this.#connection = new MqttConnection(
      {
        url: config.url,
        clientId: this.#clientId,
        protocolVersion: config.protocolVersion,
        will: { topic: this.#topics.status, payload: 'offline' },
        ...(config.username !== undefined && { username: config.username }),
        ...(config.password !== undefined && { password: config.password }),
        ...(ca && { ca }),
        ...(this.#o.timing?.reconnectMs && { reconnectMs: this.#o.timing.reconnectMs }),
      },
      {
        onMessage: (m) => this.#onMessage(m),
        onRelease: (id) => this.#onRelease(id),
        onSession: (present) => this.#onSession(present),
        onConnect: () => this.#onConnect(),
        onDisconnect: () => {
          this.#stats.connected = false;
          // Once per loss; the failed attempts that follow are logged at debug.
          this.#unreachableLogged = true;
          if (!this.#stopping) this.#log.info({ url: config.url }, 'lost the connection to the MQTT broker; reconnecting with backoff (events wait in the event log)');
        },
        onError: (err) => this.#onError(err),
      },
    );
    this.#events = new EventPublisher({
      log: parts.queue.events,
      progress: parts.queue.subscriptions,
      // Named by what the boxes of a fleet share, so that each event goes out once per
      // topic prefix, by whichever box holds the claim; before, the cursor was per client id.
      name: eventCursorName(config.topicPrefix),
      legacyName: `mqtt:${this.#clientId}`,
      holder: this.#o.gatewayId,
      publish: (event) => this.#connection.publish({ topic: this.#topics.event(event.type), payload: JSON.stringify(event), qos: 1 }),
      onOutcome: (ok) => this.#stats[ok ? 'published' : 'failed'].event++,
      logger: this.#log,
      ...(this.#o.timing?.publisher && { timing: this.#o.timing.publisher }),
    });
    await this.#states.start();
    await this.#events.start();
  }

  async #close(): Promise<void> {
    this.#stopping = true;
    this.#states.stop();
    await this.#events.halt();
    await this.#connection.close({ topic: this.#topics.status, payload: 'offline', qos: 1, retain: true });
    await this.#events.close();
    this.#log.info({ eventCursor: this.#events.cursor }, 'MQTT bridge stopped');
  }

  #onSession(present: boolean): void {
    if (present) return;
    // Packet ids start afresh in a new session: QoS 2 keys must not meet the old ones.
    this.#sessionReady = this.#sessionReady.then(() => this.#retry(() => this.#generations.sessionLost(), 'the MQTT session file'));
  }

  #onConnect(): void {
    this.#stats.connected = true;
    this.#unreachableLogged = false;
    this.#log.info({ url: this.#o.config.url, clientId: this.#clientId }, 'connected to the MQTT broker');
    // `online` once the send topics are subscribed: from then on a send is taken (or kept by the session).
    const online = (): void => void this.#counted('state', this.#connection.publish({ topic: this.#topics.status, payload: 'online', qos: 1, retain: true }));
    if (this.#subscribed) online();
    else {
      this.#connection.subscribe(this.#topics.sendFilters, 2).then(
        () => {
          this.#subscribed = true;
          online();
        },
        (err: unknown) => {
          this.#log.warn({ err }, 'subscribing to the send topics failed; again at the next connect');
          if (this.#connection.connected) online(); // events and state still go out
        },
      );
    }
    this.#states.publishAll();
    this.#discovery
      .publish((topic, payload) => {
        const published = this.#connection.publish({ topic, payload, qos: 1, retain: true });
        void this.#counted('discovery', published);
        return published;
      })
      .catch((err: unknown) => this.#log.warn({ err }, 'Home Assistant discovery not published completely; again at the next connect'));
  }

  #onError(err: Error): void {
    if (this.#stopping) return;
    if (this.#connection?.connected) this.#log.warn({ err }, 'MQTT client error');
    else if (!this.#unreachableLogged) {
      this.#unreachableLogged = true;
      this.#log.warn({ err, url: this.#o.config.url }, 'the MQTT broker is not reachable; retrying with backoff (HTTP, the modem and the queue go on)');
    } else this.#log.debug({ err }, 'MQTT connection attempt failed');
  }

  async #onMessage(m: IncomingMessage): Promise<IncomingVerdict> {
    await this.#sessionReady;
    return this.#sends.handle(m);
  }

  /** Notes durably that a QoS 2 exchange completed (before PUBCOMP); rejects only when stopping. */
  #onRelease(packetId: number): Promise<void> {
    return this.#retry(() => this.#generations.released(packetId), 'the MQTT session file');
  }

  async #retry(write: () => Promise<void>, what: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (err) {
        if (this.#stopping) throw err;
        if (attempt === 1) this.#log.warn({ err }, `${what} could not be written; trying again`);
        await new Promise((r) => setTimeout(r, Math.min(10_000, 200 * 2 ** attempt)));
      }
    }
  }

  #reply(topic: string, result: SendResult, correlationData: Buffer | undefined): void {
    void this.#counted('result', this.#connection.publish({ topic, payload: JSON.stringify(result), qos: 1, ...(correlationData && { correlationData }) }));
  }

  /** Counts a publish's outcome; never rejects. */
  async #counted(kind: PublishKind, p: Promise<void>): Promise<void> {
    try {
      await p;
      this.#stats.published[kind]++;
    } catch (err) {
      this.#stats.failed[kind]++;
      if (!this.#stopping) this.#log.debug({ err, kind }, 'MQTT publish failed');
    }
  }
}
