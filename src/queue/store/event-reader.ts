import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { KatarError } from '../../errors.js';
import type { EventType, GatewayEvent } from '../gateway-event.js';
import { decodeLine } from './record-codec.js';

const CHUNK = 64 * 1024;
const NL = 0x0a;

/** What a scan of the event file returns: the events wanted, and the last id looked at. */
export interface EventScan {
  events: GatewayEvent[];
  /** The id of the last event read (wanted or not); the cursor to continue from. */
  lastSeen: number;
}

/**
 * Reads `events.jsonl` forward from `offset` (the start of a record) up to `end` (its
 * durable length): the events after `after`, of `types` when given, at most `limit`.
 * Reads in 64 KiB chunks, so memory stays one chunk and one page of events whatever the
 * backlog. A record that fails its checksum is named with its offset (STORE_CORRUPT).
 */
export async function readEventFile(path: string, from: { offset: number; end: number; after: number; types?: ReadonlySet<EventType>; limit: number }): Promise<EventScan> {
  const out: EventScan = { events: [], lastSeen: from.after };
  if (from.offset >= from.end) return out;
  const handle = await open(path, 'r');
  try {
    let pos = from.offset;
    let carry: Buffer = Buffer.alloc(0);
    while (pos < from.end && out.events.length < from.limit) {
      const want = Math.min(CHUNK, from.end - pos);
      const chunk = Buffer.allocUnsafe(want);
      const { bytesRead } = await handle.read(chunk, 0, want, pos);
      if (bytesRead === 0) break;
      let buf = carry.length ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      const bufStart = pos - carry.length;
      pos += bytesRead;
      let start = 0;
      for (let nl = buf.indexOf(NL, start); nl !== -1 && out.events.length < from.limit; nl = buf.indexOf(NL, start)) {
        const line = buf.subarray(start, nl);
        const d = decodeLine(line);
        if (d.kind === 'bad') {
          throw new KatarError('STORE_CORRUPT', `${basename(path)}: the record at byte ${bufStart + start} cannot be read (${d.reason}); run \`katar-sms store check\``, { file: basename(path), offset: bufStart + start });
        }
        const ev = d.value as GatewayEvent;
        // The header of a rewritten file ({"epoch":E}) is no event.
        if (typeof ev.id === 'number') {
          if (ev.id > from.after) {
            out.lastSeen = ev.id;
            if (!from.types || from.types.has(ev.type)) out.events.push(ev);
          }
        }
        start = nl + 1;
      }
      buf = buf.subarray(start);
      carry = Buffer.from(buf);
    }
  } finally {
    await handle.close();
  }
  return out;
}
