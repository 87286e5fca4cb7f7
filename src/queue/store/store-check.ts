import { stat } from 'node:fs/promises';
import { KatarError } from '../../errors.js';
import { hasStore, loadStore, type LoadedState } from './store-loader.js';
import type { LoadFix, StoreProblem } from './store-types.js';

/** What `katar-sms store check` found. */
export interface CheckReport {
  dir: string;
  ok: boolean;
  /** Damage: each names the file, the byte offset, what is wrong and what it costs. */
  problems: StoreProblem[];
  /** Never-acknowledged tails and leftovers the next start removes by itself (not damage). */
  pendingFixes: LoadFix[];
  counts: { live: number; history: number; inbox: number };
}

function counts(s: LoadedState): CheckReport['counts'] {
  return { live: s.live.size, history: s.history.size, inbox: s.inbox.length };
}

/**
 * Verifies a data directory the way a start would, without writing anything. When the
 * start would refuse, a salvage pass lists every damage it finds, not only the first.
 */
export async function checkStore(dir: string): Promise<CheckReport> {
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new KatarError('CONFIG_INVALID', `${dir} is not a directory`, { dir });
  if (!(await hasStore(dir))) return { dir, ok: true, problems: [], pendingFixes: [], counts: { live: 0, history: 0, inbox: 0 } };
  try {
    const { state } = await loadStore(dir, { mode: 'strict' });
    return { dir, ok: true, problems: [], pendingFixes: state.fixes, counts: counts(state) };
  } catch (err) {
    if (!(err instanceof KatarError) || err.code !== 'STORE_CORRUPT') throw err;
    const { state, problems } = await loadStore(dir, { mode: 'salvage' });
    const first = err.details as { file: string; offset: number } | undefined;
    const listed = problems.length ? problems : [{ file: first?.file ?? '?', offset: first?.offset ?? 0, reason: err.message }];
    return { dir, ok: false, problems: listed, pendingFixes: state.fixes, counts: counts(state) };
  }
}
