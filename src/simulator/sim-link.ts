import { EventEmitter } from 'node:events';
import { KatarError } from '../errors.js';
import type { ModemPort } from '../modem/port.js';

/**
 * The gateway side of an in-process link to a {@link SimulatedModem}. Every delivery
 * happens in a later microtask, never inside write(): a real port never answers
 * synchronously, and queueMicrotask (unlike setImmediate) is not faked by vitest, so
 * zero-latency dialogues need no timer advancing.
 */
export class SimLink extends EventEmitter implements ModemPort {
  private open = true;

  constructor(
    readonly path: string,
    private readonly toModem: (data: Buffer) => void,
    private readonly onClosed: (link: SimLink) => void,
  ) {
    super();
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Bytes from the gateway; they reach the modem in a later microtask. */
  write(data: Buffer | string): Promise<void> {
    if (!this.open) return Promise.reject(new KatarError('MODEM_CLOSED', `${this.path} is closed`));
    const buf = Buffer.from(data);
    queueMicrotask(() => {
      if (this.open) this.toModem(buf);
    });
    return Promise.resolve();
  }

  /** Closed by the gateway; the modem keeps running. */
  close(): Promise<void> {
    if (this.open) {
      this.open = false;
      this.onClosed(this);
      queueMicrotask(() => this.emit('close'));
    }
    return Promise.resolve();
  }

  /** Device side: emit modem output as 'data', one chunk per microtask. */
  deliver(chunks: Buffer[]): void {
    for (const chunk of chunks) {
      queueMicrotask(() => {
        if (this.open) this.emit('data', chunk);
      });
    }
  }

  /** Device side: the device vanished (unplug); 'close' carries the error. */
  sever(err: Error): void {
    if (!this.open) return;
    this.open = false;
    queueMicrotask(() => this.emit('close', err));
  }
}

/** Small seeded PRNG (mulberry32) so chunking is reproducible per seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits `buf` into chunks of 1..max bytes using `random`. */
export function splitRandomly(buf: Buffer, max: number, random: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; ) {
    const n = 1 + Math.floor(random() * max);
    out.push(buf.subarray(i, i + n));
    i += n;
  }
  return out;
}
