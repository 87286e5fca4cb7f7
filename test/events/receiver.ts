import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as it arrived: the raw body bytes (what was signed) and the headers. */
export interface Arrival {
  headers: IncomingHttpHeaders;
  raw: Buffer;
  event: { id: number; type: string; time: string; queue?: string; data: Record<string, unknown> };
  url: string;
}

/** How the receiver answers: 2xx, a status, never (the request hangs until closed), or by closing the connection. */
export type ReceiverMode = { answer: 'ok' } | { answer: 'status'; status: number } | { answer: 'hang' } | { answer: 'drop' };

/**
 * A webhook receiver on loopback (port 0): records every request, answers as `mode`
 * says. `down()` closes the port (connection refused), `up()` listens on it again.
 */
export class Receiver {
  /** Every request that arrived, answered or not. */
  readonly arrivals: Arrival[] = [];
  /** The requests answered 2xx: what was delivered. */
  readonly delivered: Arrival[] = [];
  /** The answer to every request, or per request by its arrival number (1 for the first). */
  mode: ReceiverMode | ((arrival: number) => ReceiverMode) = { answer: 'ok' };
  readonly #hanging = new Set<ServerResponse>();
  #server: Server | undefined;
  #port = 0;

  private constructor(readonly path: string) {}

  static async start(path = '/hook?token=query-secret-token'): Promise<Receiver> {
    const r = new Receiver(path);
    await r.up();
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}${this.path}`;
  }

  /** Ids of the delivered events, in arrival order. */
  ids(): number[] {
    return this.delivered.map((a) => a.event.id);
  }

  async up(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const arrival: Arrival = { headers: req.headers, raw, event: JSON.parse(raw.toString('utf8')) as Arrival['event'], url: req.url ?? '' };
        this.arrivals.push(arrival);
        const mode = typeof this.mode === 'function' ? this.mode(this.arrivals.length) : this.mode;
        if (mode.answer === 'hang') {
          this.#hanging.add(res);
          return;
        }
        if (mode.answer === 'drop') {
          req.socket.destroy();
          return;
        }
        if (mode.answer === 'ok') this.delivered.push(arrival);
        res.writeHead(mode.answer === 'ok' ? 204 : mode.status).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Closes the port and every connection: the sender now gets connection refused. */
  async down(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    for (const res of this.#hanging) res.destroy();
    this.#hanging.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  close(): Promise<void> {
    return this.down();
  }
}
