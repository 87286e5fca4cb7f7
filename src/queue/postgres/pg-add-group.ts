import type { NewTask } from '../queue-types.js';
import type { Task } from '../task.js';
import type { PgBatch } from './pg-batch.js';
import { isUniqueViolation } from './pg-pool.js';

type Added = Array<{ task: Task; created: boolean }>;

interface Waiting {
  queue: string;
  items: NewTask[];
  resolve: (out: Added) => void;
  reject: (err: unknown) => void;
}

/** Calls of `add` one transaction takes at most. */
const MAX_GROUP = 100;

/**
 * Group commit of `add`: the calls that arrive while a transaction of adds is under way
 * wait for the next one, and each transaction takes all that wait. Every call keeps its
 * own all-or-nothing: it runs under a savepoint of its own, and one that is refused
 * (QUEUE_FULL, IDEMPOTENCY_CONFLICT) is rolled back alone and rejects alone. Each call
 * resolves after the COMMIT; one commit (one fsync, one turn on the event counter) then
 * serves many sends. A lone call does not wait: it starts a transaction at once.
 */
export class AddGroup {
  readonly #waiting: Waiting[] = [];
  #running = false;

  constructor(
    private readonly write: <T>(fn: (b: PgBatch) => Promise<T>) => Promise<T>,
    private readonly addOne: (b: PgBatch, queue: string, items: NewTask[]) => Promise<Added>,
  ) {}

  add(queue: string, items: NewTask[]): Promise<Added> {
    return new Promise<Added>((resolve, reject) => {
      this.#waiting.push({ queue, items, resolve, reject });
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#waiting.length) await this.#run(this.#waiting.splice(0, MAX_GROUP));
    } finally {
      this.#running = false;
    }
  }

  async #run(group: Waiting[]): Promise<void> {
    let outcomes: Array<{ out: Added } | { err: unknown }> = [];
    try {
      await this.write(async (b) => {
        outcomes = [];
        for (const call of group) outcomes.push(await this.#one(b, call));
      });
    } catch (err) {
      // The transaction itself failed (the database went away, COMMIT refused): nothing of it is stored.
      for (const call of group) call.reject(err);
      return;
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
