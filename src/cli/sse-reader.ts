/**
 * A server-sent-events parser (the `text/event-stream` format of the HTML standard):
 * bytes in, as the network hands them over, frames out. Pure: no I/O and no timers, so
 * that the event stream client can be tested chunk by chunk.
 *
 * Chunks may end anywhere: inside a line, between a CR and its LF, inside a UTF-8
 * character. Lines end with LF, CRLF or a lone CR; `data:` lines of one frame are joined
 * with LF; comment lines (`: heartbeat`) carry nothing; a frame is complete at its blank
 * line, and one the stream ends in the middle of is dropped.
 */

/** One dispatched frame. */
export interface SseFrame {
  /** The last event id the stream set (`id:` of this frame or of an earlier one; '' before any). */
  id: string;
  /** `event:` of the frame, `message` when it has none. */
  event: string;
  data: string;
}

/** Characters one line, or the data of one frame, may take before the stream is refused. */
const DEFAULT_MAX_FRAME_CHARS = 8 * 1024 * 1024;

const LF = 10;
const CR = 13;

/** The stream sent a line or frame past the reader's bound. */
export class SseTooLarge extends Error {
  constructor(limit: number) {
    super(`the event stream sent a frame longer than ${limit} characters`);
    this.name = 'SseTooLarge';
  }
}

/** Parses one event stream; one reader per connection. */
export class SseReader {
  readonly #decoder = new TextDecoder('utf-8');
  readonly #maxChars: number;
  /** The start of a line whose end has not come yet. */
  #partial = '';
  /** The last chunk ended with CR: an LF that starts the next one belongs to it. */
  #skipLf = false;
  #data: string[] = [];
  #dataChars = 0;
  #event = '';
  #lastId = '';
  #retry: number | undefined;
  #comments = 0;

  constructor(opts: { maxFrameChars?: number } = {}) {
    this.#maxChars = opts.maxFrameChars ?? DEFAULT_MAX_FRAME_CHARS;
  }

  /** The reconnection delay the server asked for (`retry:`, ms), if it did. */
  get retry(): number | undefined {
    return this.#retry;
  }

  /** The id of the last frame, to resume from (the `Last-Event-ID` of a reconnection). */
  get lastEventId(): string {
    return this.#lastId;
  }

  /** Comment lines seen (the server's heartbeats). */
  get comments(): number {
    return this.#comments;
  }

  /** Takes the next bytes (or text) of the stream; returns the frames they completed. */
  push(chunk: Uint8Array | string): SseFrame[] {
    return this.#feed(typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true }));
  }

  /** The stream ended: an unfinished frame is dropped, as the format says. */
  end(): SseFrame[] {
    const frames = this.#feed(this.#decoder.decode());
    this.#partial = '';
    this.#data = [];
    this.#dataChars = 0;
    this.#event = '';
    return frames;
  }

  #feed(text: string): SseFrame[] {
    const frames: SseFrame[] = [];
    if (text === '') return frames;
    let i = 0;
    if (this.#skipLf) {
      this.#skipLf = false;
      if (text.charCodeAt(0) === LF) i = 1;
    }
    let start = i;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== LF && c !== CR) continue;
      const line = this.#partial + text.slice(start, i);
      this.#partial = '';
      if (c === CR) {
        if (i + 1 === text.length) this.#skipLf = true;
        else if (text.charCodeAt(i + 1) === LF) i++;
      }
      start = i + 1;
      const frame = this.#line(line);
      if (frame) frames.push(frame);
    }
    this.#partial += text.slice(start);
    if (this.#partial.length > this.#maxChars) throw new SseTooLarge(this.#maxChars);
    return frames;
  }

  #line(line: string): SseFrame | undefined {
    if (line === '') return this.#dispatch();
    if (line.charCodeAt(0) === 58 /* : */) {
      this.#comments++;
      return undefined;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.#dataChars += value.length + 1;
        if (this.#dataChars > this.#maxChars) throw new SseTooLarge(this.#maxChars);
        this.#data.push(value);
        break;
      case 'event':
        this.#event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.#lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.#retry = Number(value);
        break;
      default:
        // Unknown fields are ignored, as the format says.
        break;
    }
    return undefined;
  }

  #dispatch(): SseFrame | undefined {
    const frame = this.#data.length === 0 ? undefined : { id: this.#lastId, event: this.#event || 'message', data: this.#data.join('\n') };
    this.#data = [];
    this.#dataChars = 0;
    this.#event = '';
    return frame;
  }
}
