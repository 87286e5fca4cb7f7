/**
 * The only importer of `pg` (eslint.config.js): a pool of connections, transactions, one
 * listening connection for LISTEN/NOTIFY, and the translation of a database that cannot
 * be reached into the queue's STORE_UNAVAILABLE. Everything else of src/queue/postgres/
 * talks to PostgreSQL through the small types below.
 */
import pg from 'pg';
import { KatarError, isKatarError } from '../../errors.js';

// bigint (seq, event ids, ms timestamps) as JavaScript numbers: every value we store is
// far below 2^53, and the queue's types are numbers.
pg.types.setTypeParser(20, (v: string) => Number(v));

/** A row as the driver gives it. */
export type Row = Record<string, unknown>;

/** What a statement runs on: the pool, or the client of one transaction. */
export interface Sql {
  query(text: string, values?: unknown[]): Promise<Row[]>;
  /**
   * In a transaction (`tx`): runs `text` in the same message as the COMMIT, and hands its
   * rows to `onRows` before the transaction resolves. What the statement locks is then
   * held for the commit alone, never across a round trip to this process, which may wait
   * for a core on a busy machine (the event counter, pg-rows.ts). At most one a
   * transaction; `values` are strings, finite numbers or null.
   */
  atCommit?(text: string, values: unknown[], onRows: (rows: Row[]) => void): void;
}

/** `text` with its `$n` replaced by `values` as SQL literals (the simple protocol of a statement sent with COMMIT takes no parameters). */
function inlineValues(client: pg.PoolClient, text: string, values: unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const v = values[Number(n) - 1];
    if (v === null) return 'NULL';
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v === 'string') return client.escapeLiteral(v);
    throw new Error(`atCommit: value $${n} must be a string, a finite number or null`);
  });
}

/** A notification from another connection (or this process's own). */
export interface Notice {
  channel: string;
  payload: string;
}

/** SQLSTATE classes and codes that mean "the database is not there": connection lost, shutting down, out of resources. */
const UNAVAILABLE_STATES = /^(08|53|57P0[123]|58)/;
const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);

/** True when `err` says the database could not be reached or went away (not a refusal of the statement). */
export function isUnavailable(err: unknown): boolean {
  if (isKatarError(err)) return err.code === 'STORE_UNAVAILABLE';
  const e = err as { code?: string; message?: string } | undefined;
  if (!e) return false;
  if (typeof e.code === 'string' && (UNAVAILABLE_STATES.test(e.code) || NETWORK_ERRORS.has(e.code))) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|the database system is (starting up|shutting down)|Cannot use a pool after calling end/i.test(e.message ?? '');
}

/**
 * The queue's refusal for a database that cannot be reached (HTTP 503 with Retry-After).
 * `commitInDoubt`: the connection died on COMMIT, so the transaction may have committed
 * after all; the caller cannot tell, and must not rely on either.
 */
export function unavailable(err: unknown, commitInDoubt = false): KatarError {
  return new KatarError('STORE_UNAVAILABLE', `the queue database cannot be reached: ${(err as Error).message}`, { retryAfterSeconds: 5, ...(commitInDoubt && { commitInDoubt }) }, { cause: err });
}

/** True when `err` says a transaction's COMMIT went unanswered: it may or may not have committed. */
export const isCommitInDoubt = (err: unknown): boolean => isKatarError(err, 'STORE_UNAVAILABLE') && err.details?.commitInDoubt === true;

/** SQLSTATE of a unique-constraint violation, or of a serialization failure / deadlock (both retried once). */
export const isUniqueViolation = (err: unknown): boolean => (err as { code?: string }).code === '23505';

/** Options of a pool. */
export interface PoolOptions {
  url: string;
  /** Connections at most (default 5: a Pi's share of a shared server). */
  size?: number;
  /** Answered as the connection's application_name (shown in pg_stat_activity). */
  applicationName?: string;
  /** How long a statement of query() or tx() may go unanswered before its connection is dropped (default ANSWER_TIMEOUT_MS; 0: no limit). */
  answerTimeoutMs?: number;
  /** How long the server lets a session of this pool sit idle in a transaction (default IDLE_IN_TRANSACTION_MS; 0: no limit). */
  idleInTransactionMs?: number;
}

/**
 * A statement unanswered this long means the network to the database is gone without a
 * word (a Wi-Fi drop, a switch losing power: nothing resets the connection, and the
 * kernel would retransmit for a quarter of an hour). It is longer than any statement of
 * query() and tx() takes, lock waits included: another box's transaction holds a lock at
 * most IDLE_IN_TRANSACTION_MS past its last statement.
 */
export const ANSWER_TIMEOUT_MS = 15_000;

/**
 * How long PostgreSQL keeps a session of this pool idle inside a transaction before it
 * ends it. A box cut off in the middle of a transaction would otherwise hold its locks
 * (the event counter's row: every box's writes) until the server's own TCP keepalive
 * gives up, two hours by default. The queue's transactions never wait on anything but
 * their own statements.
 */
export const IDLE_IN_TRANSACTION_MS = 10_000;

/** The socket under a client, which pg does not type. */
const socketOf = (client: pg.ClientBase): { destroy(err?: Error): void } | undefined => (client as unknown as { connection?: { stream?: { destroy(err?: Error): void } } }).connection?.stream;

/**
 * `run` on `client`, or after `ms` without an answer the client's socket destroyed: the
 * statement, and whatever else waits on that connection, fails as ETIMEDOUT (the database
 * cannot be reached), and the pool discards the client. pg's own query_timeout is not
 * used: it leaves the connection waiting for an answer that never comes, and the pool
 * hands it out again.
 */
async function answeredWithin<T>(client: pg.ClientBase, ms: number, run: Promise<T>): Promise<T> {
  if (!(ms > 0 && Number.isFinite(ms))) return run; // no deadline (store migrate)
  const timer = setTimeout(() => {
    socketOf(client)?.destroy(Object.assign(new Error(`no answer from the database in ${ms} ms; the connection is dropped`), { code: 'ETIMEDOUT' }));
  }, ms);
  try {
    return await run;
  } finally {
    clearTimeout(timer);
  }
}

/** A pool of connections to the queue's database. */
export class Database {
  readonly #pool: pg.Pool;
  readonly #url: string;
  readonly #appName: string;
  readonly #answerMs: number;
  #listener: pg.Client | undefined;
  #closed = false;

  constructor(o: PoolOptions) {
    this.#url = o.url;
    this.#appName = o.applicationName ?? 'katar-sms';
    this.#answerMs = o.answerTimeoutMs ?? ANSWER_TIMEOUT_MS;
    this.#pool = new pg.Pool({
      connectionString: o.url,
      max: o.size ?? 5,
      application_name: this.#appName,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      idle_in_transaction_session_timeout: o.idleInTransactionMs ?? IDLE_IN_TRANSACTION_MS,
      // An idle connection to a database that vanished is noticed within about 20 s.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    // An idle connection that dies (the server restarted) must not crash the process.
    this.#pool.on('error', () => undefined);
  }

  /** One statement on any free connection. */
  query(text: string, values?: unknown[]): Promise<Row[]> {
    return this.#onClient(async (client) => (await answeredWithin(client, this.#answerMs, client.query(text, values))).rows as Row[]);
  }

  /**
   * Runs `fn` in one transaction (READ COMMITTED) and commits; resolves only after the
   * COMMIT, so nothing is acknowledged that is not durable. Any error rolls back; a lost
   * connection becomes STORE_UNAVAILABLE.
   */
  async tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw isUnavailable(err) ? unavailable(err) : err;
    }
    let last: { text: string; onRows: (rows: Row[]) => void } | undefined;
    const within = <R>(run: Promise<R>): Promise<R> => answeredWithin(client, this.#answerMs, run);
    const sql: Sql = {
      query: async (text, values) => (await within(client.query(text, values))).rows as Row[],
      atCommit: (text, values, onRows) => {
        if (last) throw new Error('atCommit: one statement a transaction');
        last = { text: inlineValues(client, text, values), onRows };
      },
    };
    let broken = false;
    // A checked-out client whose connection dies between statements emits 'error' (the
    // pool listens only on idle ones): the next statement fails, and it is thrown away.
    const onError = (): void => void (broken = true);
    client.on('error', onError);
    let committing = false;
    try {
      await within(client.query('BEGIN'));
      const out = await fn(sql);
      committing = true;
      if (last) {
        // Two statements in one simple query: the driver answers with one result each.
        const results = (await within(client.query(`${last.text};\nCOMMIT`))) as unknown as pg.QueryResult[];
        last.onRows(results[0]!.rows as Row[]);
      } else await within(client.query('COMMIT'));
      return out;
    } catch (err) {
      broken = broken || isUnavailable(err);
      if (!broken) await within(client.query('ROLLBACK')).catch(() => (broken = true));
      throw broken ? unavailable(err, committing) : err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  /** Runs `fn` on one connection of its own, outside any transaction (session advisory locks), with no answer timeout. */
  session<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.#onClient((client) => fn({ query: async (text, values) => (await client.query(text, values)).rows as Row[] }));
  }

  /** `fn` on a connection of the pool; one that died on the way (STORE_UNAVAILABLE) is thrown away, never reused. */
  async #onClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw isUnavailable(err) ? unavailable(err) : err;
    }
    let broken = false;
    const onError = (): void => void (broken = true);
    client.on('error', onError);
    try {
      return await fn(client);
    } catch (err) {
      broken = broken || isUnavailable(err);
      throw broken ? unavailable(err) : err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  /**
   * Listens on `channels` on a connection of its own. When that connection is lost it is
   * opened again (every `retryMs`), and `onConnect` runs after each (re)connect: what
   * was notified meanwhile is lost, so the caller re-reads.
   */
  async listen(channels: string[], onNotice: (n: Notice) => void, onConnect: () => void, retryMs = 1_000): Promise<void> {
    const connect = async (): Promise<void> => {
      if (this.#closed) return;
      const client = new pg.Client({ connectionString: this.#url, application_name: `${this.#appName} listen`, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
      let gone = false;
      const again = (): void => {
        if (gone) return;
        gone = true;
        if (this.#listener === client) this.#listener = undefined;
        client.removeAllListeners('notification');
        void client.end().catch(() => undefined);
        if (!this.#closed) setTimeout(() => void connect().catch(() => undefined), retryMs).unref();
      };
      client.on('error', again);
      client.on('end', again);
      client.on('notification', (m) => onNotice({ channel: m.channel, payload: m.payload ?? '' }));
      try {
        await client.connect();
        for (const c of channels) await client.query(`LISTEN ${c}`);
      } catch {
        again();
        return;
      }
      if (this.#closed) return void client.end().catch(() => undefined);
      this.#listener = client;
      onConnect();
    };
    await connect();
  }

  /** Closes the listening connection and the pool. */
  async close(): Promise<void> {
    this.#closed = true;
    const l = this.#listener;
    this.#listener = undefined;
    if (l) await l.end().catch(() => undefined);
    await this.#pool.end().catch(() => undefined);
  }
}
