/**
 * A tiny in-test ModemPort: records what the engine writes, answers scripted writes, and
 * delivers modem bytes in whatever chunking a test chooses.
 */
import { EventEmitter } from 'node:events';
import type { ModemPort } from '../../../src/modem/port.js';

/** Splits bytes into the chunks the "serial driver" delivers. */
export type Chunker = (data: Buffer) => Buffer[];

/** One chunk. */
export const whole: Chunker = (d) => [d];
/** One byte per chunk. */
export const bytewise: Chunker = (d) => [...d].map((b) => Buffer.from([b]));
/** Fixed-size chunks. */
export const every =
  (n: number): Chunker =>
  (d) => {
    const out: Buffer[] = [];
    for (let i = 0; i < d.length; i += n) out.push(d.subarray(i, i + n));
    return out;
  };

type Reply = string | Buffer | ((written: string) => string | Buffer | undefined);

interface Rule {
  match: string | RegExp;
  reply: Reply;
}

/** Fake port with a one-shot write → reply script. */
export class FakePort extends EventEmitter implements ModemPort {
  readonly path = 'fake:modem';
  isOpen = true;
  /** Everything written, decoded as latin1 so control bytes survive. */
  readonly writes: string[] = [];
  chunker: Chunker = whole;
  /** When set, the next write rejects with it. */
  failNextWrite: Error | undefined;
  private readonly rules: Rule[] = [];

  /** Answers the first later write matching `match` with `reply` (once). */
  onWrite(match: string | RegExp, reply: Reply): this {
    this.rules.push({ match, reply });
    return this;
  }

  async write(data: Buffer | string): Promise<void> {
    if (this.failNextWrite) {
      const err = this.failNextWrite;
      this.failNextWrite = undefined;
      throw err;
    }
    if (!this.isOpen) throw new Error('fake port closed');
    const text = typeof data === 'string' ? data : data.toString('latin1');
    this.writes.push(text);
    const i = this.rules.findIndex((r) => (typeof r.match === 'string' ? r.match === text : r.match.test(text)));
    if (i < 0) return;
    const [rule] = this.rules.splice(i, 1);
    const reply = typeof rule!.reply === 'function' ? rule!.reply(text) : rule!.reply;
    if (reply !== undefined) queueMicrotask(() => this.receive(reply));
  }

  /** Delivers modem output now, split by `chunker`. */
  receive(data: string | Buffer, chunker: Chunker = this.chunker): void {
    const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    for (const chunk of chunker(buf)) this.emit('data', chunk);
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.emit('close');
  }

  /** The device vanished. */
  unplug(err: Error = new Error('device disconnected')): void {
    this.isOpen = false;
    this.emit('close', err);
  }
}

/** Lets queued microtasks (engine pump, write chain, scripted replies) run. */
export async function flush(rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** Captures a promise's rejection (or fails if it resolves) without unhandled-rejection noise. */
export function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (v) => {
      throw new Error(`expected rejection, got ${JSON.stringify(v)}`);
    },
    (err: unknown) => err,
  );
}
