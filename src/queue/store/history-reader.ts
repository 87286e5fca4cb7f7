import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Task } from '../task.js';
import type { FileStore } from './file-store.js';
import type { HistoryMeta } from './history-index.js';
import { decodeLine } from './record-codec.js';
import { FILES } from './store-types.js';

/** Most bytes read at once: about 500 records, a few ms of decoding between two turns of the event loop. */
const RUN_BYTES = 256 * 1024;
/** Bytes of other records a run reads across rather than start another read. */
const GAP_BYTES = 16 * 1024;

/**
 * Reads the history records of `metas` in file order, each checked as
 * `FileStore.readHistory` checks it, and gives each task to `onTask`. Records close
 * together are read in one positional read of up to 256 KiB: after a start the delivery
 * restore reads the tail of history, and one read per record (50,000 of them, each a
 * round trip through libuv's pool) took most of a second. Of each meta only its id and
 * position are kept, in columns, so that the metas themselves can go as they come. A
 * record that cannot be read so (not yet written, moved since, or damaged) is read
 * through the store at its current place; one the store cannot read either is left
 * out. Returns how many records were asked for.
 */
export async function readHistoryRecords(store: FileStore, metas: Iterable<HistoryMeta>, onTask: (t: Task, id: string) => void): Promise<number> {
  const ids: string[] = [];
  const offsets: number[] = [];
  const lengths: number[] = [];
  for (const m of metas) {
    ids.push(m._id);
    offsets.push(m.pos.offset);
    lengths.push(m.pos.length);
  }
  const order = Uint32Array.from(ids.keys()).sort((a, b) => offsets[a]! - offsets[b]!);
  const retry: number[] = [];
  let handle: FileHandle | undefined;
  try {
    handle = await open(join(store.dir, FILES.history), 'r');
  } catch {
    retry.push(...order);
  }
  if (handle) {
    try {
      const size = (await handle.stat()).size;
      let buf = Buffer.alloc(0);
      for (let i = 0; i < order.length; ) {
        const from = offsets[order[i]!]!;
        let to = from;
        let j = i;
        for (; j < order.length; j++) {
          const k = order[j]!;
          if (j > i && (offsets[k]! - to > GAP_BYTES || offsets[k]! + lengths[k]! - from > RUN_BYTES)) break;
          to = Math.max(to, offsets[k]! + lengths[k]!);
        }
        const end = Math.min(to, size);
        if (buf.length < end - from) buf = Buffer.alloc(Math.max(RUN_BYTES, end - from));
        const got = end > from ? (await handle.read(buf, 0, end - from, from)).bytesRead : 0;
        for (; i < j; i++) {
          const k = order[i]!;
          const at = offsets[k]! - from;
          const d = at + lengths[k]! <= got ? decodeLine(buf.subarray(at, at + lengths[k]!)) : undefined;
          const t = d && d.kind !== 'bad' ? (d.value as Task) : undefined;
          if (t && t._id === ids[k]) onTask(t, ids[k]!);
          else retry.push(k);
        }
      }
    } finally {
      await handle.close();
    }
  }
  for (const k of retry) {
    const meta = store.history.get(ids[k]!);
    const t = meta && (await store.readHistory(meta).catch(() => undefined));
    if (t && t._id === ids[k]) onTask(t, ids[k]!);
  }
  return ids.length;
}
