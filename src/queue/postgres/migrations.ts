import type { Database, Sql } from './pg-pool.js';

/**
 * The schema of the shared queue, as versioned migrations: each entry is applied once,
 * in order, in a transaction of its own, and recorded in schema_migrations. Never edit an
 * entry that has shipped; add a new one. docs/FLEET.md explains the tables.
 *
 * Times are milliseconds since 1970 (`*_ms`, wall time from the queue's clock) or on the
 * shared tick line (`*_tick`, durations: leases and backoffs; see db-clock.ts).
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE SEQUENCE katar_seq;
  CREATE TABLE tasks (
    id text PRIMARY KEY,
    queue text NOT NULL,
    seq bigint NOT NULL UNIQUE,
    status text NOT NULL,
    priority integer NOT NULL,
    to_number text NOT NULL,
    send_at_ms bigint,
    valid_until_ms bigint,
    ready_tick bigint NOT NULL DEFAULT 0,
    modems text[],
    idempotency_key text,
    lease_worker text,
    lease_expires_tick bigint,
    lease_token bigint NOT NULL DEFAULT 0,
    submitting boolean NOT NULL DEFAULT false,
    updated_ms bigint NOT NULL,
    finished_at_ms bigint,
    sent_ms bigint,
    doc jsonb NOT NULL,
    UNIQUE (queue, idempotency_key)
  );
  CREATE INDEX tasks_claim ON tasks (queue, priority DESC, seq) WHERE status = 'queued';
  CREATE INDEX tasks_listing ON tasks (queue, seq);
  CREATE INDEX tasks_listing_status ON tasks (queue, status, seq);
  CREATE INDEX tasks_leases ON tasks (lease_expires_tick) WHERE status = 'in progress';
  CREATE INDEX tasks_validity ON tasks (valid_until_ms) WHERE status IN ('queued', 'paused') AND valid_until_ms IS NOT NULL;
  CREATE INDEX tasks_finished ON tasks (finished_at_ms) WHERE finished_at_ms IS NOT NULL;
  CREATE INDEX tasks_sent ON tasks (sent_ms) WHERE sent_ms IS NOT NULL;

  CREATE TABLE inbox (
    id text PRIMARY KEY,
    queue text NOT NULL,
    seq bigint NOT NULL UNIQUE,
    from_number text NOT NULL,
    received_ms bigint NOT NULL,
    dedup_key text,
    doc jsonb NOT NULL,
    UNIQUE (queue, dedup_key)
  );
  CREATE INDEX inbox_listing ON inbox (queue, seq);
  CREATE INDEX inbox_received ON inbox (received_ms);

  CREATE TABLE event_counter (one boolean PRIMARY KEY DEFAULT true CHECK (one), last bigint NOT NULL);
  INSERT INTO event_counter VALUES (true, 0);
  CREATE TABLE events (
    id bigint PRIMARY KEY,
    type text NOT NULL,
    time_ms bigint NOT NULL,
    queue text,
    data jsonb NOT NULL,
    box text
  );
  CREATE INDEX events_time ON events (time_ms);

  CREATE TABLE subscriptions (name text PRIMARY KEY, cursor bigint NOT NULL);
  CREATE TABLE dead_letters (
    name text NOT NULL,
    event_id bigint NOT NULL,
    at_ms bigint NOT NULL,
    letter jsonb NOT NULL,
    PRIMARY KEY (name, event_id)
  );
  CREATE TABLE dead_letter_drops (name text PRIMARY KEY, dropped bigint NOT NULL);
  `,
  // Which box delivers each webhook / MQTT subscription, until when (pg-subscriptions.ts).
  `
  CREATE TABLE subscription_claims (name text PRIMARY KEY, holder text NOT NULL, expires_tick bigint NOT NULL);
  `,
  // The live tasks, which each box's mirror reads in full (pg-mirror.ts): without it that
  // read, and the newest live update, scan every finished task too.
  `
  CREATE INDEX tasks_live ON tasks (updated_ms) WHERE status IN ('queued', 'paused', 'in progress');
  `,
  // The event a webhook keeps failing on, so a restart or a takeover goes on counting (pg-subscriptions.ts).
  `
  CREATE TABLE subscription_retries (name text PRIMARY KEY, event_id bigint NOT NULL, attempts integer NOT NULL, since_ms bigint NOT NULL);
  `,
];

/** The advisory lock every migration run holds: boxes starting at once migrate one after the other. */
const MIGRATION_LOCK = 0x6b617461; // 'kata'

/**
 * Brings the database to the newest schema. Safe to run from several boxes at once: the
 * whole run holds a session advisory lock, and each migration is applied (and recorded)
 * in one transaction, so a box that crashes halfway leaves the last whole version.
 * Returns the versions it applied.
 */
export async function migrate(db: Database): Promise<number[]> {
  return db.session(async (sql: Sql) => {
    await sql.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await sql.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())');
      const done = new Set((await sql.query('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
      const applied: number[] = [];
      for (const [i, text] of MIGRATIONS.entries()) {
        const version = i + 1;
        if (done.has(version)) continue;
        await sql.query('BEGIN');
        try {
          await sql.query(text);
          await sql.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
          await sql.query('COMMIT');
        } catch (err) {
          await sql.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
        applied.push(version);
      }
      return applied;
    } finally {
      await sql.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  });
}
