import { join } from 'node:path';
import type { SmsData } from '../../queue/task.js';
import { GroupCommit } from '../../queue/store/group-commit.js';
import { openJsonDocument, type JsonDocument } from '../../queue/store/json-document.js';
import type { WireReport, WireSms } from './client.js';

/** What a remote worker must remember across a crash. */
export interface RemoteStateData {
  version: 1;
  /** Tasks leased from the server and not yet reported. */
  held: Record<string, { data: SmsData; leasedAt: string; submitting?: boolean; attempt?: number }>;
  /** Reports not yet accepted by the server, oldest first. */
  reports: WireReport[];
  /** Received SMS not yet accepted by the server, oldest first. */
  inbox: WireSms[];
  /** Ids of the last received SMS the server accepted, so a message read twice is sent once. */
  forwarded: string[];
}

/**
 * The remote worker's small durable state, a lowdb document written through the same
 * durable adapter as the queue (temp file, fsync, rename). It holds a handful of
 * entries, so rewriting it whole is cheap; concurrent saves share one write.
 */
export class RemoteWorkerState {
  readonly #db: JsonDocument<RemoteStateData>;
  readonly #group: GroupCommit;

  private constructor(db: JsonDocument<RemoteStateData>) {
    this.#db = db;
    this.#group = new GroupCommit(() => this.#db.write());
  }

  /** Loads the state in `dir` (empty when new). */
  static async open(dir: string): Promise<RemoteWorkerState> {
    return new RemoteWorkerState(await openJsonDocument<RemoteStateData>(join(dir, 'worker-state.json'), { version: 1, held: {}, reports: [], inbox: [], forwarded: [] }));
  }

  get data(): RemoteStateData {
    return this.#db.data;
  }

  /** Resolves once every change made so far is on disk. */
  save(): Promise<void> {
    return this.#group.commit();
  }
}
