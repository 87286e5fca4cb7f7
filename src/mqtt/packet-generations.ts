import { join } from 'node:path';
import { openJsonDocument, type JsonDocument } from '../queue/store/json-document.js';
import { SerialChain } from '../serial-chain.js';

interface GenerationsFile {
  version: 1;
  clientId: string;
  /** Advanced whenever the broker had no session for us: packet ids start afresh then. */
  epoch: number;
  /** Per packet id, how many QoS 2 exchanges with that id were completed (PUBREL) in this epoch. */
  generations: Record<string, number>;
}

/**
 * Idempotency keys for QoS 2 sends that carry none (README, "MQTT"): a redelivered PUBLISH
 * keeps its packet id until the exchange completes, so `<epoch>:<packet id>:<generation>`
 * names one message. After PUBREL the broker may reuse the id for another message, so
 * the generation of that id is advanced, durably, before PUBCOMP; a broker that lost
 * our session starts packet ids afresh, so the epoch is advanced before any message of
 * that connection is handled. Kept in `mqtt-session.json` (temp file, fsync, rename).
 */
export class PacketGenerations {
  readonly #doc: JsonDocument<GenerationsFile>;
  readonly #chain = new SerialChain();

  private constructor(doc: JsonDocument<GenerationsFile>) {
    this.#doc = doc;
  }

  static async open(dataDir: string, clientId: string): Promise<PacketGenerations> {
    const doc = await openJsonDocument<GenerationsFile>(join(dataDir, 'mqtt-session.json'), { version: 1, clientId, epoch: 0, generations: {} });
    // Another client id is another session: its keys carry the client id, the counters restart.
    if (doc.data.clientId !== clientId) doc.data = { version: 1, clientId, epoch: 0, generations: {} };
    return new PacketGenerations(doc);
  }

  /** The idempotency key of the QoS 2 message now open under `packetId`. */
  key(packetId: number): string {
    const d = this.#doc.data;
    return `mqtt:${d.clientId}:${d.epoch}:${packetId}:${d.generations[String(packetId)] ?? 0}`;
  }

  /** The exchange of `packetId` completed: the next message with that id is another one. */
  released(packetId: number): Promise<void> {
    return this.#chain.run(async () => {
      const g = this.#doc.data.generations;
      this.#doc.data = { ...this.#doc.data, generations: { ...g, [String(packetId)]: (g[String(packetId)] ?? 0) + 1 } };
      await this.#doc.write();
    });
  }

  /** The broker had no session for us: every packet id is free again. */
  sessionLost(): Promise<void> {
    return this.#chain.run(async () => {
      this.#doc.data = { ...this.#doc.data, epoch: this.#doc.data.epoch + 1, generations: {} };
      await this.#doc.write();
    });
  }
}
