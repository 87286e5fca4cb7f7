import { request, type IncomingMessage } from 'node:http';

/** One SSE frame as it arrived: `id:`, `event:` and the parsed `data:`. */
export interface SseFrame {
  id: number;
  event: string;
  data: { id: number; type: string; time: string; queue?: string; data: Record<string, unknown> };
}

/**
 * An SSE client on node:http with its own parser (not the product's), so that what the
 * tests judge is the bytes on the wire: frames, comment lines and the `retry:` field.
 * `ended` resolves when the server ends or cuts the connection.
 */
export class SseClient {
  readonly frames: SseFrame[] = [];
  readonly comments: string[] = [];
  retry: number | undefined;
  status = 0;
  /** A non-200 answer's body (the JSON error). */
  body = '';
  readonly ended: Promise<void>;
  #res: IncomingMessage | undefined;
  #destroy: () => void = () => undefined;
  #onChange = new Set<() => void>();

  private constructor(ended: Promise<void>) {
    this.ended = ended;
  }

  /** Opens `url` (a full URL with path and query); resolves once the answer's head arrived. */
  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    let finish!: () => void;
    const client = new SseClient(new Promise<void>((r) => (finish = r)));
    return new Promise((resolve, reject) => {
      const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        client.#res = res;
        client.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (chunk: string) => {
          if (client.status !== 200) {
            client.body += chunk;
            return;
          }
          buf += chunk;
          for (let end = buf.indexOf('\n\n'); end !== -1; end = buf.indexOf('\n\n')) {
            client.#block(buf.slice(0, end));
            buf = buf.slice(end + 2);
          }
          client.#changed();
        });
        const done = (): void => {
          finish();
          client.#changed();
        };
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
        resolve(client);
      });
      client.#destroy = () => req.destroy();
      req.on('error', (err) => {
        finish();
        reject(err);
      });
      req.end();
    });
  }

  /** Ids of the frames received, in order. */
  ids(): number[] {
    return this.frames.map((f) => f.id);
  }

  /** The last id received (what a client sends back as Last-Event-ID). */
  lastId(): number | undefined {
    return this.frames[this.frames.length - 1]?.id;
  }

  /** Resolves once `pred` holds (checked on every chunk), rejects after `timeoutMs`. */
  waitFor(pred: (c: SseClient) => boolean, timeoutMs = 10_000, what = 'stream condition'): Promise<void> {
    if (pred(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!pred(this)) return;
        clearTimeout(timer);
        this.#onChange.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#onChange.delete(check);
        reject(new Error(`timed out waiting for ${what} (${this.frames.length} frames, last id ${this.lastId()})`));
      }, timeoutMs);
      this.#onChange.add(check);
    });
  }

  /** Closes the connection from the client side. */
  close(): void {
    this.#res?.destroy();
    this.#destroy();
  }

  #block(block: string): void {
    const frame: Partial<{ id: string; event: string; data: string }> = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'retry') this.retry = Number(value);
      else if (field === 'id' || field === 'event') frame[field] = value;
      else if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
    }
    if (frame.data === undefined) return;
    this.frames.push({ id: Number(frame.id), event: frame.event ?? 'message', data: JSON.parse(frame.data) as SseFrame['data'] });
  }

  #changed(): void {
    for (const f of [...this.#onChange]) f();
  }
}
