import { join } from 'node:path';
import { openJsonDocument, type JsonDocument } from '../queue/store/json-document.js';
import { SerialChain } from '../serial-chain.js';
import { discoveryMessages, removedDiscoveryTopics, type DiscoveryInput } from './ha-discovery.js';

interface DiscoveryFile {
  version: 1;
  /** The config topics published last, so that those the config dropped are cleared at the next start. */
  topics: string[];
}

/**
 * Home Assistant discovery on each connect: the retained config messages of
 * ha-discovery.ts (QoS 1), and an empty retained message on each config topic published
 * before that the config no longer has (a contact or modem removed). With discovery off,
 * everything published before is cleared. The topics published are kept in
 * `mqtt-discovery.json` (temp file, fsync, rename) once the broker acknowledged them.
 */
export class DiscoveryPublisher {
  readonly #doc: JsonDocument<DiscoveryFile>;
  readonly #input: DiscoveryInput | undefined;
  readonly #chain = new SerialChain();

  private constructor(doc: JsonDocument<DiscoveryFile>, input: DiscoveryInput | undefined) {
    this.#doc = doc;
    this.#input = input;
  }

  /** `input` undefined: discovery is off. */
  static async open(dataDir: string, input: DiscoveryInput | undefined): Promise<DiscoveryPublisher> {
    return new DiscoveryPublisher(await openJsonDocument<DiscoveryFile>(join(dataDir, 'mqtt-discovery.json'), { version: 1, topics: [] }), input);
  }

  /** Publishes (retained, QoS 1) and clears; resolves once every publish was acknowledged and the list saved. */
  publish(send: (topic: string, payload: string) => Promise<void>): Promise<void> {
    return this.#chain.run(async () => {
      const messages = this.#input ? discoveryMessages(this.#input) : [];
      const removed = removedDiscoveryTopics(this.#doc.data.topics, messages);
      await Promise.all([...messages.map((m) => send(m.topic, m.payload)), ...removed.map((t) => send(t, ''))]);
      const topics = messages.map((m) => m.topic);
      if (topics.length === this.#doc.data.topics.length && topics.every((t, i) => t === this.#doc.data.topics[i])) return;
      this.#doc.data = { version: 1, topics };
      await this.#doc.write();
    });
  }
}
