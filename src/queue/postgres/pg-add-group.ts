import type { NewTask } from '../queue-types.js';
import type { Task } from '../task.js';
import { addCalls, type AddCall, type CallOutcome } from './pg-add.js';
import type { PgBatch } from './pg-batch.js';
import { isUnavailable, isUniqueViolation } from './pg-pool.js';

type Added = Array<{ task: Task; created: boolean }>;

interface Waiting extends AddCall {
  resolve: (out: Added) => void;
  reject: (err: unknown) => void;
}

/** The live tasks now (this box's count of the fleet's) and the most the queue takes (maxLiveTasks). */
export type Room = () => { live: number; max: number };

/** Calls of `add` one transaction takes at most. */
const MAX_GROUP = 200;

/**
 * Transactions of adds under way at once. While one waits for its COMMIT (the fsync) and
 * the event counter's lock, the next does its statements: the two overlap, and the
 * counter's lock puts their commits in turn (pg-rows.ts `eventsStatement`).
 */
const IN_FLIGHT = 2;

/**
 * Group commit of `add`: the calls that arrive while transactions of adds are under way
 * wait for the next one, and each transaction takes all that wait. Every call keeps its
 * own all-or-nothing: one that is refused (QUEUE_FULL, IDEMPOTENCY_CONFLICT) changes
 * nothing and rejects alone. The calls are judged together and their tasks inserted by
 * one statement (pg-add.ts `addCalls`), so a group costs the same few round trips
 * whatever its size. Should the transaction fail otherwise than by the database going
 * away (another box took one of the keys meanwhile: a unique violation), the group runs
 * again in a new transaction, each call under a savepoint of its own. Each call resolves
 * after the COMMIT; one commit (one fsync, one turn on the event counter) then serves
 * many sends. A lone call does not wait: it starts a transaction at once.
 */
export class AddGroup {
  readonly #waiting: Waiting[] = [];
  #running = 0;
  /** Tasks inserted by transactions not yet committed (the mirror counts them after): the limit counts them too. */
  #uncommitted = 0;

  constructor(
    private readonly write: <T>(fn: (b: PgBatch) => Promise<T>) => Promise<T>,
    private readonly addOne: (b: PgBatch, queue: string, items: NewTask[]) => Promise<Added>,
    private readonly room: Room,
  ) {}

  add(queue: string, items: NewTask[]): Promise<Added> {
    return new Promise<Added>((resolve, reject) => {
      this.#waiting.push({ queue, items, resolve, reject });
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    if (this.#running >= IN_FLIGHT) return;
    this.#running++;
    try {
      while (this.#waiting.length) await this.#run(this.#waiting.splice(0, MAX_GROUP));
    } finally {
      this.#running--;
    }
  }

  async #run(group: Waiting[]): Promise<void> {
    let outcomes: CallOutcome[] = [];
    let inserted = 0;
    try {
      try {
        await this.write(async (b) => {
          const { live, max } = this.room();
          outcomes = await addCalls(b, group, live + this.#uncommitted, max);
          inserted = b.changed.length;
          this.#uncommitted += inserted;
        });
      } catch (err) {
        if (isUnavailable(err)) throw err;
        this.#uncommitted -= inserted;
        inserted = 0;
        await this.write(async (b) => {
          outcomes = [];
          for (const call of group) outcomes.push(await this.#one(b, call));
        });
      }
    } catch (err) {
      // The transaction itself failed (the database went away, COMMIT refused): nothing of it is stored.
      for (const call of group) call.reject(err);
      return;
    } finally {
      this.#uncommitted -= inserted;
    }
    outcomes.forEach((o, i) => ('out' in o ? group[i]!.resolve(o.out) : group[i]!.reject(o.err)));
  }

  /** One call under its savepoint; a key another box took meanwhile is tried once more (it then finds that task). */
  async #one(b: PgBatch, call: Waiting, again = true): Promise<{ out: Added } | { err: unknown }> {
    const mark = b.mark();
    await b.sql.query('SAVEPOINT add_call');
    try {
      const out = await this.addOne(b, call.queue, call.items);
      await b.sql.query('RELEASE SAVEPOINT add_call');
      return { out };
    } catch (err) {
      await b.sql.query('ROLLBACK TO SAVEPOINT add_call');
      b.rollbackTo(mark);
      if (again && isUniqueViolation(err)) return this.#one(b, call, false);
      return { err };
    }
  }
}
