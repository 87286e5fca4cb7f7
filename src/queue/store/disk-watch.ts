import { open, statfs, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type Clock } from '../../clock.js';
import { KatarError } from '../../errors.js';
import { FILES } from './store-types.js';
import type { StoreHealth } from '../sms-queue.js';

/** Whether the store can write and take new tasks, and why not. */
export type { StoreHealth };

/** Options of the disk watch. */
export interface DiskWatchOptions {
  reserveBytes: number;
  probeIntervalMs?: number;
  clock?: Clock;
}

const STATFS_TTL_MS = 1000;
const MIB = 1024 * 1024;
const mib = (n: number): string => `${(n / MIB).toFixed(1)} MiB`;

/** The error code of a failed write: a full disk, or anything else. */
export function writeErrorCode(err: unknown): 'STORAGE_FULL' | 'STORE_UNAVAILABLE' {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' ? 'STORAGE_FULL' : 'STORE_UNAVAILABLE';
}

/**
 * Knows whether the data directory can be written: a failed write makes it unwritable;
 * then a probe (a small write and fsync of a probe file) runs every ~2 s, and once it
 * succeeds with at least the reserve free, `onProbeOk` decides whether the store is
 * writable again. Free space comes from statfs, read at most once a second.
 */
export class DiskWatch {
  readonly #dir: string;
  readonly #reserve: number;
  readonly #every: number;
  readonly #clock: Clock;
  #down: { code: 'STORAGE_FULL' | 'STORE_UNAVAILABLE'; reason: string } | undefined;
  #free: number | undefined;
  #freeAt = -Infinity;
  #refreshing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** Called after a successful probe; resolves true when the store is writable again. */
  onProbeOk: () => Promise<boolean> = async () => true;
  /** Called on every change of writability. */
  onChange: (h: StoreHealth) => void = () => undefined;

  constructor(dir: string, opts: DiskWatchOptions) {
    this.#dir = dir;
    this.#reserve = opts.reserveBytes;
    this.#every = opts.probeIntervalMs ?? 2000;
    this.#clock = opts.clock ?? systemClock;
  }

  get writable(): boolean {
    return this.#down === undefined;
  }

  /** The error to refuse a commit with while unwritable. */
  error(): KatarError {
    const d = this.#down ?? { code: 'STORE_UNAVAILABLE' as const, reason: 'unknown' };
    return new KatarError(d.code, `the store in ${this.#dir} cannot write (${d.reason}); changes are refused until it can`, { dir: this.#dir });
  }

  /** A write failed: unwritable until a probe succeeds. */
  fail(err: unknown): KatarError {
    const first = this.#down === undefined;
    this.#down = { code: writeErrorCode(err), reason: (err as Error)?.message ?? String(err) };
    this.#freeAt = -Infinity;
    if (first) {
      this.#schedule();
      this.onChange(this.health());
    }
    return this.error();
  }

  /** Writable again (after the store reloaded what it must). */
  recovered(): void {
    if (this.#down === undefined) return;
    this.#down = undefined;
    this.onChange(this.health());
  }

  /** The current health, from the cached free space (refreshed in the background when stale). */
  health(): StoreHealth {
    if (this.#clock.mono() - this.#freeAt > STATFS_TTL_MS) void this.refresh();
    const low = this.#free !== undefined && this.#free < this.#reserve;
    const h: StoreHealth = { writable: this.writable, acceptingNew: this.writable && !low, reserveBytes: this.#reserve };
    if (this.#free !== undefined) h.freeBytes = this.#free;
    if (this.#down) h.reason = this.#down.reason;
    else if (low) h.reason = `${mib(this.#free!)} free, below the reserve of ${mib(this.#reserve)}`;
    return h;
  }

  /** Throws STORAGE_FULL (or STORE_UNAVAILABLE) unless new tasks may be added. */
  assertAcceptingNew(): void {
    const h = this.health();
    if (h.acceptingNew) return;
    if (!h.writable) throw this.error();
    throw new KatarError('STORAGE_FULL', `only ${mib(h.freeBytes ?? 0)} free in ${this.#dir}, below the reserve of ${mib(this.#reserve)} kept for outcomes of sends in flight; new tasks are refused`, { dir: this.#dir, freeBytes: h.freeBytes, reserveBytes: this.#reserve });
  }

  /** Reads free space now. */
  refresh(): Promise<void> {
    this.#refreshing ??= statfs(this.#dir)
      .then((s) => {
        this.#free = s.bavail * s.bsize;
        this.#freeAt = this.#clock.mono();
      }, () => undefined)
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  /** Stops probing (at close). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.probe(), this.#every);
    this.#timer.unref();
  }

  /** One probe; public so tests need not wait for the timer. Resolves true when writable again. */
  async probe(): Promise<boolean> {
    if (this.#down === undefined) return true;
    const path = join(this.#dir, FILES.probe);
    try {
      const handle = await open(path, 'w');
      try {
        await handle.write(Buffer.alloc(4096, 0x2e), 0, 4096, 0);
        await handle.sync();
      } finally {
        await handle.close();
        await unlink(path).catch(() => undefined);
      }
      this.#freeAt = -Infinity;
      await this.refresh();
      if (this.#free !== undefined && this.#free < this.#reserve) throw Object.assign(new Error(`${mib(this.#free)} free, below the reserve of ${mib(this.#reserve)}`), { code: 'ENOSPC' });
      if (await this.onProbeOk()) return true;
    } catch (err) {
      if (this.#down) this.#down = { code: writeErrorCode(err), reason: (err as Error).message };
    }
    this.#schedule();
    return false;
  }
}
