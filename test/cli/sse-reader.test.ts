import { describe, expect, it } from 'vitest';
import { SseReader, SseTooLarge, type SseFrame } from '../../src/cli/sse-reader.js';

/** Feeds `chunks` to one reader and collects every frame, the end of the stream included. */
function read(chunks: Array<string | Uint8Array>): { frames: SseFrame[]; reader: SseReader } {
  const reader = new SseReader();
  const frames: SseFrame[] = [];
  for (const c of chunks) frames.push(...reader.push(c));
  frames.push(...reader.end());
  return { frames, reader };
}

const STREAM = 'retry: 2000\n\n: heartbeat\n\nid: 1\nevent: sms.received\ndata: {"id":1,"msg":"héllo €"}\n\nid: 2\nevent: sms.queued\ndata: {"id":2}\n\n';
const EXPECTED: SseFrame[] = [
  { id: '1', event: 'sms.received', data: '{"id":1,"msg":"héllo €"}' },
  { id: '2', event: 'sms.queued', data: '{"id":2}' },
];

describe('SseReader', () => {
  it('reads frames with id, event and data; comments and retry dispatch nothing', () => {
    const { frames, reader } = read([STREAM]);
    expect(frames).toEqual(EXPECTED);
    expect(reader.retry).toBe(2000);
    expect(reader.comments).toBe(1);
    expect(reader.lastEventId).toBe('2');
  });

  it('gives the same frames however the bytes are split, inside characters too', () => {
    const bytes = new TextEncoder().encode(STREAM);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(read([bytes.subarray(0, cut), bytes.subarray(cut)]).frames, `split at byte ${cut}`).toEqual(EXPECTED);
    }
    expect(read([...bytes].map((b) => Uint8Array.of(b))).frames).toEqual(EXPECTED);
  });

  it('takes CRLF and lone CR line ends, a CR at the end of a chunk and its LF in the next one', () => {
    const crlf = STREAM.replace(/\n/g, '\r\n');
    expect(read([crlf]).frames).toEqual(EXPECTED);
    expect(read([STREAM.replace(/\n/g, '\r')]).frames).toEqual(EXPECTED);
    for (let cut = 1; cut < crlf.length; cut++) expect(read([crlf.slice(0, cut), crlf.slice(cut)]).frames, `split at ${cut}`).toEqual(EXPECTED);
    // CR then an empty chunk then LF: still one line end.
    expect(read(['data: a\r', '', '\n\r\n']).frames).toEqual([{ id: '', event: 'message', data: 'a' }]);
  });

  it('joins the data lines of a frame with LF and keeps the value after one space', () => {
    expect(read(['data: first\ndata:second\ndata:  third\ndata\n\n']).frames).toEqual([{ id: '', event: 'message', data: 'first\nsecond\n third\n' }]);
  });

  it('keeps the last id for later frames, and ignores an id with NUL and unknown fields', () => {
    const { frames } = read(['id: 7\ndata: a\n\ndata: b\n\nid: 8\0\nfoo: bar\ndata: c\n\nid\ndata: d\n\n']);
    expect(frames.map((f) => [f.id, f.data])).toEqual([['7', 'a'], ['7', 'b'], ['7', 'c'], ['', 'd']]);
  });

  it('dispatches nothing for a frame without data, and resets the event type after each frame', () => {
    expect(read(['event: x\n\ndata: y\n\n']).frames).toEqual([{ id: '', event: 'message', data: 'y' }]);
    expect(read(['id: 3\n\n']).reader.lastEventId).toBe('3');
  });

  it('drops a frame the stream ended in the middle of', () => {
    expect(read(['id: 1\ndata: whole\n\nid: 2\ndata: half']).frames).toEqual([{ id: '1', event: 'message', data: 'whole' }]);
    expect(read(['data: no blank line\n']).frames).toEqual([]);
  });

  it('skips a byte order mark at the start', () => {
    expect(read([Uint8Array.of(0xef, 0xbb, 0xbf), new TextEncoder().encode('data: x\n\n')]).frames).toEqual([{ id: '', event: 'message', data: 'x' }]);
  });

  it('refuses a line or a frame past its bound', () => {
    expect(() => new SseReader({ maxFrameChars: 10 }).push('data: 0123456789abc')).toThrow(SseTooLarge);
    const r = new SseReader({ maxFrameChars: 10 });
    expect(() => r.push('data: 0123\ndata: 4567\ndata: 89\n')).toThrow(/longer than 10 characters/);
  });
});
