import { isKatarError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { Backoff } from '../../modem/backoff.js';
import { toWireReport } from '../../protocol/katar-wire.js';
import type { IncomingSms, TaskReport } from '../../queue/queue-types.js';
import type { InboxSink, LeasedTask, WorkSource } from '../work-source.js';
import type { KatarClient, WireReport } from './client.js';
import type { RemoteWorkerState } from './state.js';

/** Options of the remote work source. */
export interface RemoteQueueOptions {
  client: KatarClient;
  state: RemoteWorkerState;
  logger: Logger;
  /** Long-poll wait per request (the server's `waitMs` extension). */
  pollWaitMs?: number;
  /** Poll interval for servers without long-poll (the server's `configuration.interval`). */
  intervalMs?: number;
  /** Backoff bounds while the server is unreachable. */
  backoff?: { initialMs: number; maxMs: number };
}

const KEEP_FORWARDED = 2000;

/**
 * A katar-sms server, over the katar HTTP worker protocol, as the built-in worker's work
 * source and inbox. Everything the server must hear (reports, received SMS) is first
 * written to the worker's own durable state and then delivered by a background loop that
 * retries with backoff, so an unreachable or restarting server loses nothing; a report
 * is removed once accepted, so none is sent twice after it was taken.
 */
export class RemoteQueue implements WorkSource, InboxSink {
  readonly #o: RemoteQueueOptions;
  #running = false;
  #loop: Promise<void> | undefined;
  #kick: (() => void) | undefined;
  /** Delays while the server is unreachable: doubling from `backoff.initialMs` (1 s) to `maxMs` (30 s). */
  readonly #backoff: Backoff;
  #backoffUntil = 0;
  #lastPollWasShort = false;
  /** Tasks a server handed out unasked (a server without report-only polls). */
  readonly #extra: LeasedTask[] = [];

  constructor(o: RemoteQueueOptions) {
    this.#o = o;
    this.#backoff = new Backoff(o.backoff?.initialMs ?? 1000, o.backoff?.maxMs ?? 30_000);
  }

  /** Settles what a crash left, then starts delivering reports and received SMS. */
  async start(): Promise<void> {
    const { state, logger } = this.#o;
    for (const [id, h] of Object.entries(state.data.held)) {
      state.data.reports.push(
        toWireReport({
          ...(h.submitting ? { _id: id, status: 'unknown', error: 'outcome unknown: the worker stopped while the modem was sending' } : { _id: id, status: 'failed', error: 'the worker restarted before sending' }),
          ...(h.attempt !== undefined && { attempt: h.attempt }),
        }),
      );
      delete state.data.held[id];
      logger.warn({ task: id, submitting: !!h.submitting }, 'task held at the last stop reported as failed');
    }
    await state.save();
    this.#running = true;
    this.#loop = this.#deliverLoop();
  }

  /** Stops the delivery loop (what is not delivered stays on disk for the next start). */
  async stop(): Promise<void> {
    this.#running = false;
    this.#kick?.();
    await this.#loop;
  }

  async lease(wait: boolean): Promise<LeasedTask | undefined> {
    const extra = this.#extra.shift();
    if (extra) return this.#hold(extra);
    if (performance.now() < this.#backoffUntil) return undefined;
    const waitMs = wait ? (this.#o.pollWaitMs ?? 25_000) : 0;
    const started = performance.now();
    let tasks: LeasedTask[];
    try {
      tasks = await this.#o.client.poll({ max: 1, waitMs });
      this.#ok();
    } catch (err) {
      this.#failed(err);
      throw err;
    }
    // Nothing came back at once (no long-poll configured, or a server that does not know
    // the extension): poll again only after the server's interval.
    if (wait) this.#lastPollWasShort = tasks.length === 0 && (waitMs === 0 || performance.now() - started < waitMs / 2);
    const [first, ...rest] = tasks;
    this.#extra.push(...rest);
    return first ? this.#hold(first) : undefined;
  }

  async #hold(t: LeasedTask): Promise<LeasedTask> {
    this.#o.state.data.held[t._id] = { data: t.data, leasedAt: new Date().toISOString(), ...(t.attempt !== undefined && { attempt: t.attempt }) };
    await this.#o.state.save();
    return t;
  }

  async markSubmitting(id: string): Promise<void> {
    const h = this.#o.state.data.held[id];
    if (!h) return;
    h.submitting = true;
    await this.#o.state.save();
  }

  async report(r: TaskReport): Promise<void> {
    const attempt = r.attempt ?? this.#o.state.data.held[r._id]?.attempt;
    await this.#enqueueReport(toWireReport(attempt !== undefined ? { ...r, attempt } : r));
  }

  async release(id: string, why: string): Promise<void> {
    // The protocol has no "give back": a failure (retried by the server) is the honest report.
    const attempt = this.#o.state.data.held[id]?.attempt;
    await this.#enqueueReport(toWireReport({ _id: id, status: 'failed', error: `not sent: ${why}`, ...(attempt !== undefined && { attempt }) }));
  }

  async #enqueueReport(wire: WireReport): Promise<void> {
    delete this.#o.state.data.held[wire._id];
    this.#o.state.data.reports.push(wire);
    await this.#o.state.save();
    this.#kick?.();
  }

  nextPriority(): number | undefined {
    return undefined;
  }

  async waitForWork(ms: number, signal: AbortSignal): Promise<void> {
    const backoff = this.#backoffUntil - performance.now();
    const wait = backoff > 0 ? Math.min(ms * 10, backoff) : this.#lastPollWasShort ? (this.#o.intervalMs ?? ms) : 0;
    if (wait <= 0 || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, wait);
      signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  async receive(sms: IncomingSms): Promise<{ duplicate: boolean }> {
    const { state } = this.#o;
    const id = sms.dedupKey ?? `${sms.from}|${sms.sentAt?.toISOString() ?? ''}|${sms.msg}`;
    if (state.data.forwarded.includes(id) || state.data.inbox.some((m) => m.id === id)) return { duplicate: true };
    state.data.inbox.push({ from: sms.from, msg: sms.msg, id, receivedAt: (sms.receivedAt ?? new Date()).toISOString() });
    await state.save();
    this.#kick?.();
    return { duplicate: false };
  }

  /** Status reports are not relayed in remote worker mode (the server has no route for them). */
  async delivery(): Promise<boolean> {
    return false;
  }

  /** Delivers reports, then received SMS, one at a time, until none is left; backs off while the server is away. */
  async #deliverLoop(): Promise<void> {
    const { state, client, logger } = this.#o;
    while (this.#running) {
      const report = state.data.reports[0];
      const sms = state.data.inbox[0];
      if ((!report && !sms) || performance.now() < this.#backoffUntil) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.max(50, Math.min(5000, this.#backoffUntil - performance.now())));
          this.#kick = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.#kick = undefined;
        continue;
      }
      try {
        if (report) {
          const extra = await client.poll({ max: 0, tasks: [report] });
          this.#extra.push(...extra);
          state.data.reports.shift();
        } else if (sms) {
          await client.receive(sms);
          state.data.inbox.shift();
          state.data.forwarded.push(sms.id);
          if (state.data.forwarded.length > KEEP_FORWARDED) state.data.forwarded.splice(0, state.data.forwarded.length - KEEP_FORWARDED);
        }
        this.#ok();
        await state.save();
      } catch (err) {
        if (isKatarError(err, 'SERVER_REFUSED') && typeof err.details?.status === 'number' && err.details.status < 500 && err.details.status !== 401 && err.details.status !== 429) {
          // The server will never take it (task gone or given to another worker, bad SMS): drop it, loudly.
          logger.error({ err, what: report ? `report of ${report._id}` : 'received SMS' }, 'the server refused it for good; dropped');
          if (report) state.data.reports.shift();
          else state.data.inbox.shift();
          await state.save();
          continue;
        }
        this.#failed(err);
      }
    }
  }

  #ok(): void {
    this.#backoff.reset();
    this.#backoffUntil = 0;
  }

  #failed(err: unknown): void {
    const retryInMs = this.#backoff.next();
    this.#backoffUntil = performance.now() + retryInMs;
    this.#o.logger.warn({ err, retryInMs }, 'katar-sms server unavailable; retrying');
  }
}
