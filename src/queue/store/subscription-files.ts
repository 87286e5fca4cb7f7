import { join } from 'node:path';
import { SerialChain } from '../../serial-chain.js';
import type { ClaimAnswer, DeadLetter, RetryState, SubscriptionProgress } from '../sms-queue.js';
import { openJsonDocument, type JsonDocument } from './json-document.js';

/** Dead letters kept per subscription; past it the oldest are dropped (and counted). */
export const MAX_DEAD_LETTERS = 1000;

interface CursorFile {
  version: 1;
  cursors: Record<string, number>;
  /** The event each subscription is retrying, while one fails (absent in files of earlier versions). */
  retries?: Record<string, RetryState>;
}

interface DeadLetterFile {
  version: 1;
  letters: DeadLetter[];
  /** Dead letters dropped past MAX_DEAD_LETTERS. */
  dropped: number;
}

/**
 * Webhook progress in the data directory: `webhooks.json` holds every subscription's
 * cursor (small, rewritten at each batched save), `webhook-dead-<name>.json` its dead
 * letters (rewritten only when one is added or taken). Each is a lowdb document written
 * durably (temp file, fsync, rename); writes of one file go one at a time.
 *
 * Claims are always granted: the data directory is locked by one gateway, which is then
 * the only one that can deliver.
 */
export class SubscriptionFiles implements SubscriptionProgress {
  readonly #dir: string;
  #cursors: JsonDocument<CursorFile> | undefined;
  readonly #dead = new Map<string, JsonDocument<DeadLetterFile>>();
  readonly #chain = new SerialChain();

  constructor(dir: string) {
    this.#dir = dir;
  }

  async #cursorDoc(): Promise<JsonDocument<CursorFile>> {
    this.#cursors ??= await openJsonDocument<CursorFile>(join(this.#dir, 'webhooks.json'), { version: 1, cursors: {} });
    return this.#cursors;
  }

  async #deadDoc(name: string): Promise<JsonDocument<DeadLetterFile>> {
    let doc = this.#dead.get(name);
    if (!doc) {
      doc = await openJsonDocument<DeadLetterFile>(join(this.#dir, `webhook-dead-${name}.json`), { version: 1, letters: [], dropped: 0 });
      this.#dead.set(name, doc);
    }
    return doc;
  }

  load(name: string): Promise<{ cursor: number | undefined; deadLetters: DeadLetter[] }> {
    return this.#chain.run(async () => {
      const cursors = await this.#cursorDoc();
      const dead = await this.#deadDoc(name);
      // Own properties only: a subscription named like an Object.prototype member has no cursor by inheritance.
      const cursor = Object.hasOwn(cursors.data.cursors, name) ? cursors.data.cursors[name] : undefined;
      return { cursor, deadLetters: [...dead.data.letters] };
    });
  }

  saveCursor(name: string, cursor: number): Promise<void> {
    return this.#chain.run(async () => {
      const doc = await this.#cursorDoc();
      // Own properties only, as in load; a cursor never goes back.
      if (Object.hasOwn(doc.data.cursors, name) && doc.data.cursors[name]! >= cursor) return;
      doc.data.cursors = { ...doc.data.cursors, [name]: cursor };
      await doc.write();
    });
  }

  loadRetry(name: string): Promise<RetryState | undefined> {
    return this.#chain.run(async () => {
      const retries = (await this.#cursorDoc()).data.retries ?? {};
      return Object.hasOwn(retries, name) ? { ...retries[name]! } : undefined;
    });
  }

  saveRetry(name: string, retry: RetryState | undefined): Promise<void> {
    return this.#chain.run(async () => {
      const doc = await this.#cursorDoc();
      const { [name]: _old, ...others } = doc.data.retries ?? {};
      if (retry === undefined && _old === undefined) return;
      doc.data = { ...doc.data, retries: retry === undefined ? others : { ...others, [name]: { eventId: retry.eventId, attempts: retry.attempts, sinceMs: retry.sinceMs } } };
      await doc.write();
    });
  }

  async claim(_name: string, holder: string, _ttlMs: number): Promise<ClaimAnswer> {
    return { granted: true, holder };
  }

  async unclaim(_name: string, _holder: string): Promise<void> {}

  addDeadLetter(name: string, letter: DeadLetter): Promise<void> {
    return this.#chain.run(async () => {
      const doc = await this.#deadDoc(name);
      const letters = [...doc.data.letters.filter((l) => l.event.id !== letter.event.id), letter];
      const over = Math.max(0, letters.length - MAX_DEAD_LETTERS);
      doc.data = { version: 1, letters: letters.slice(over), dropped: doc.data.dropped + over };
      await doc.write();
    });
  }

  removeDeadLetter(name: string, eventId: number): Promise<void> {
    return this.#chain.run(async () => {
      const doc = await this.#deadDoc(name);
      const letters = doc.data.letters.filter((l) => l.event.id !== eventId);
      if (letters.length === doc.data.letters.length) return;
      doc.data = { ...doc.data, letters };
      await doc.write();
    });
  }
}
