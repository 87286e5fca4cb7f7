import { KatarError } from '../../errors.js';
import { DEFAULT_INTERVAL_MS, fromWireTask, WORKER_HEADER, type PollReply, type PollRequest, type QueueConfiguration, type ReceiveRequest, type WireReport, type WireSms as ReceivedSms } from '../../protocol/katar-wire.js';
import { errorText } from '../../modem/error-text.js';
import type { LeasedTask } from '../work-source.js';

export type { WireReport };

/** A received SMS as this client posts it: always with its id and reception time, so a repeat is stored once. */
export type WireSms = Required<ReceivedSms>;

/** Options of the client. */
export interface KatarClientOptions {
  server: string;
  token?: string;
  queue: string;
  /** Sent as X-Katar-Worker, so that workers sharing a token hold separate leases. */
  workerName: string;
  /** Timeout of a request that is not a long-poll. */
  timeoutMs?: number;
}

/**
 * The katar HTTP worker protocol from the worker's side: configuration, poll (with the
 * long-poll extension), report, receive. Network failures become SERVER_UNREACHABLE,
 * HTTP refusals SERVER_REFUSED with the status and the server's error code.
 */
export class KatarClient {
  readonly #o: KatarClientOptions;
  readonly #base: string;

  constructor(o: KatarClientOptions) {
    this.#o = o;
    this.#base = `${o.server.replace(/\/+$/, '')}/v1/queue/${encodeURIComponent(o.queue)}`;
  }

  /** `GET /v1/queue/:queue`: the poll interval the server asks for. */
  async interval(): Promise<number> {
    // Read defensively: an older server may leave the interval out.
    const body = (await this.#request('GET', this.#base)) as Partial<QueueConfiguration> | undefined;
    return body?.configuration?.interval ?? DEFAULT_INTERVAL_MS;
  }

  /** Reports (optional) and takes up to `max` tasks; `waitMs` long-polls. */
  async poll(opts: { max: number; waitMs?: number; tasks?: WireReport[] }): Promise<LeasedTask[]> {
    const body: PollRequest = { max: opts.max, withAttempt: true };
    if (opts.waitMs) body.waitMs = opts.waitMs;
    if (opts.tasks?.length) body.tasks = opts.tasks;
    // 204 (no task) has no body.
    const answer = (await this.#request('POST', this.#base, body, (opts.waitMs ?? 0) + (this.#o.timeoutMs ?? 15_000))) as PollReply | undefined;
    return (answer?.tasks ?? []).map((t) => ({ ...fromWireTask(t), priority: 0 }));
  }

  /** `POST /v1/queue/:queue/receive`. */
  async receive(sms: WireSms): Promise<void> {
    const body: ReceiveRequest = { sms };
    await this.#request('POST', `${this.#base}/receive`, body);
  }

  async #request(method: string, url: string, body?: unknown, timeoutMs = this.#o.timeoutMs ?? 15_000): Promise<unknown> {
    const headers: Record<string, string> = { [WORKER_HEADER]: this.#o.workerName };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.#o.token) headers.authorization = `Bearer ${this.#o.token}`;
    let res: Response;
    try {
      res = await fetch(url, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }), signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new KatarError('SERVER_UNREACHABLE', `no answer from ${this.#o.server}: ${errorText(err)}`, { server: this.#o.server }, { cause: err });
    }
    const text = await res.text().catch(() => '');
    if (res.status >= 400) {
      let code = 'HTTP_' + res.status;
      let message = text.slice(0, 200);
      try {
        const e = JSON.parse(text) as { code?: string; message?: string };
        code = e.code ?? code;
        message = e.message ?? message;
      } catch {
        // not JSON: keep the text
      }
      throw new KatarError('SERVER_REFUSED', `${this.#o.server} answered ${res.status} ${code}: ${message}`, { status: res.status, serverCode: code });
    }
    return text ? (JSON.parse(text) as unknown) : undefined;
  }
}
