import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KatarError } from '../../errors.js';
import type { GatewayEvent } from '../gateway-event.js';
import type { DeadLetter } from '../sms-queue.js';
import { loadStore, type LoadedState } from '../store/store-loader.js';
import { FILES } from '../store/store-types.js';
import type { InboxEntry, Task } from '../task.js';
import { streamRecords } from './record-stream.js';

/** One webhook's (or the MQTT bridge's) dead letters, as `webhook-dead-<name>.json` keeps them. */
export interface DeadLetterSet {
  letters: DeadLetter[];
  /** Letters dropped past the limit, counted. */
  dropped: number;
}

/** A data directory opened for reading only: its state as a start would load it, and its records one at a time. */
export interface DataDirSource {
  dir: string;
  /** Live tasks (whole), and the indexes of history, inbox and event log. */
  state: LoadedState;
  /** The gateway id kept in `gateway.json`, when there is one. */
  gatewayId: string | undefined;
  /** `webhooks.json`: each subscription's cursor (webhooks by name, the MQTT bridge as `mqtt:<clientId>`). */
  cursors: Record<string, number>;
  deadLetters: Map<string, DeadLetterSet>;
  /** Finished tasks: of each id the record that counts (the last one). */
  finished(): AsyncGenerator<Task>;
  inbox(): AsyncGenerator<InboxEntry>;
  events(): AsyncGenerator<GatewayEvent>;
}

const DEAD_RE = /^webhook-dead-(.+)\.json$/;

async function readJson(dir: string, file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(join(dir, file), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new KatarError('STORE_CORRUPT', `${join(dir, file)} is not valid JSON; the gateway would refuse it too: move it aside or fix it, then migrate`, { file, offset: 0 }, { cause: err });
  }
}

function badShape(dir: string, file: string, what: string): KatarError {
  return new KatarError('STORE_CORRUPT', `${join(dir, file)}: ${what}`, { file, offset: 0 });
}

async function readCursors(dir: string): Promise<Record<string, number>> {
  const doc = (await readJson(dir, 'webhooks.json')) as { cursors?: unknown } | undefined;
  if (doc === undefined) return {};
  const cursors = doc.cursors ?? {};
  if (typeof cursors !== 'object' || cursors === null) throw badShape(dir, 'webhooks.json', '"cursors" is not an object');
  const out: Record<string, number> = {};
  for (const [name, c] of Object.entries(cursors)) {
    if (!Number.isSafeInteger(c) || (c as number) < 0) throw badShape(dir, 'webhooks.json', `the cursor of ${JSON.stringify(name)} is not an event id`);
    out[name] = c as number;
  }
  return out;
}

async function readDeadLetters(dir: string): Promise<Map<string, DeadLetterSet>> {
  const out = new Map<string, DeadLetterSet>();
  for (const file of (await readdir(dir)).sort()) {
    const m = DEAD_RE.exec(file);
    if (!m) continue;
    const doc = (await readJson(dir, file)) as { letters?: unknown; dropped?: unknown } | undefined;
    if (!doc) continue;
    if (!Array.isArray(doc.letters)) throw badShape(dir, file, '"letters" is not a list');
    for (const [i, l] of (doc.letters as DeadLetter[]).entries()) {
      if (!l || typeof l !== 'object' || !Number.isSafeInteger(l.event?.id)) throw badShape(dir, file, `letter ${i + 1} has no event id`);
    }
    out.set(m[1]!, { letters: doc.letters as DeadLetter[], dropped: Number.isSafeInteger(doc.dropped) ? (doc.dropped as number) : 0 });
  }
  return out;
}

async function readGatewayId(dir: string): Promise<string | undefined> {
  const doc = (await readJson(dir, 'gateway.json').catch(() => undefined)) as { id?: unknown } | undefined;
  return typeof doc?.id === 'string' ? doc.id : undefined;
}

/**
 * Reads the data directory `dir` as the gateway's start would (store-loader.ts, strict):
 * a tail that was being written when the power went (never acknowledged) is left out, as
 * the start cuts it, but nothing is cut on disk; damage throws STORE_CORRUPT naming the
 * file and offset and `store check` / `store recover`. Writes nothing. The caller holds
 * the data-dir lock, so no gateway writes while the records are read.
 */
export async function openDataDirSource(dir: string): Promise<DataDirSource> {
  const { state } = await loadStore(dir, { mode: 'strict' });
  const [gatewayId, cursors, deadLetters] = await Promise.all([readGatewayId(dir), readCursors(dir), readDeadLetters(dir)]);
  const claims = state.claims;
  return {
    dir,
    state,
    gatewayId,
    cursors,
    deadLetters,
    async *finished() {
      // A task may be in history more than once (a later status report): the index names the record that counts.
      const keep = new Set<number>();
      for (const m of state.history.values()) keep.add(m.pos.offset);
      for await (const r of streamRecords(join(dir, FILES.history), claims.history.bytes)) if (keep.has(r.offset)) yield r.value as Task;
    },
    async *inbox() {
      const keep = new Set(state.inbox.map((m) => m.pos.offset));
      for await (const r of streamRecords(join(dir, FILES.inbox), claims.inbox.bytes)) if (keep.has(r.offset)) yield r.value as InboxEntry;
    },
    async *events() {
      for await (const r of streamRecords(join(dir, FILES.events), claims.events?.bytes ?? 0)) {
        // The header of a rewritten file ({"epoch":E}) is no event.
        if (typeof (r.value as { id?: unknown }).id === 'number') yield r.value as GatewayEvent;
      }
    },
  };
}
