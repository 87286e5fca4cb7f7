import type { Clock } from '../../clock.js';
import type { ClaimAnswer, DeadLetter, RetryState, SubscriptionProgress } from '../sms-queue.js';
import type { Database } from './pg-pool.js';

/** Dead letters kept per subscription; past it the oldest are dropped (and counted), as in the data directory. */
export const MAX_DEAD_LETTERS = 1000;

/**
 * Webhook and MQTT cursors, dead letters and delivery claims in the shared database: one
 * box at a time delivers a subscription (its claim row), any box can take it over once
 * the claim runs out. Claim ends are on the shared tick line (`clock.mono()`, the
 * database's time in production; db-clock.ts), never a box's own clock.
 */
export class PgSubscriptions implements SubscriptionProgress {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  async load(name: string): Promise<{ cursor: number | undefined; deadLetters: DeadLetter[] }> {
    const [c] = await this.db.query('SELECT cursor FROM subscriptions WHERE name = $1', [name]);
    const letters = await this.db.query('SELECT letter FROM dead_letters WHERE name = $1 ORDER BY at_ms, event_id', [name]);
    return { cursor: c ? Number(c.cursor) : undefined, deadLetters: letters.map((r) => r.letter as DeadLetter) };
  }

  async saveCursor(name: string, cursor: number): Promise<void> {
    // GREATEST: a box that lost its claim and saves late never moves the fleet's cursor back.
    await this.db.query('INSERT INTO subscriptions (name, cursor) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET cursor = GREATEST(subscriptions.cursor, EXCLUDED.cursor)', [name, cursor]);
  }

  async claim(name: string, holder: string, ttlMs: number): Promise<ClaimAnswer> {
    const now = this.clock.mono();
    // One statement: a new row, a renewal by the holder, or a takeover of a claim that ran out.
    const taken = await this.db.query(
      `INSERT INTO subscription_claims (name, holder, expires_tick) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_tick = EXCLUDED.expires_tick
       WHERE subscription_claims.holder = EXCLUDED.holder OR subscription_claims.expires_tick < $4
       RETURNING holder`,
      [name, holder, Math.round(now + ttlMs), Math.round(now)],
    );
    if (taken.length > 0) return { granted: true, holder };
    const [row] = await this.db.query('SELECT holder FROM subscription_claims WHERE name = $1', [name]);
    // No row: given up between the two statements; the next attempt takes it.
    return { granted: false, holder: row ? String(row.holder) : '' };
  }

  async loadRetry(name: string): Promise<RetryState | undefined> {
    const [r] = await this.db.query('SELECT event_id, attempts, since_ms FROM subscription_retries WHERE name = $1', [name]);
    return r ? { eventId: Number(r.event_id), attempts: Number(r.attempts), sinceMs: Number(r.since_ms) } : undefined;
  }

  async saveRetry(name: string, retry: RetryState | undefined): Promise<void> {
    if (retry === undefined) await this.db.query('DELETE FROM subscription_retries WHERE name = $1', [name]);
    else {
      await this.db.query(
        `INSERT INTO subscription_retries (name, event_id, attempts, since_ms) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET event_id = EXCLUDED.event_id, attempts = EXCLUDED.attempts, since_ms = EXCLUDED.since_ms`,
        [name, retry.eventId, retry.attempts, Math.round(retry.sinceMs)],
      );
    }
  }

  async unclaim(name: string, holder: string): Promise<void> {
    await this.db.query('DELETE FROM subscription_claims WHERE name = $1 AND holder = $2', [name, holder]);
  }

  async addDeadLetter(name: string, letter: DeadLetter): Promise<void> {
    await this.db.tx(async (sql) => {
      await sql.query(
        `INSERT INTO dead_letters (name, event_id, at_ms, letter) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name, event_id) DO UPDATE SET at_ms = EXCLUDED.at_ms, letter = EXCLUDED.letter`,
        [name, letter.event.id, Date.parse(letter.at) || 0, letter],
      );
      const dropped = await sql.query(
        `DELETE FROM dead_letters WHERE name = $1 AND event_id IN (
           SELECT event_id FROM dead_letters WHERE name = $1 ORDER BY at_ms DESC, event_id DESC OFFSET $2) RETURNING event_id`,
        [name, MAX_DEAD_LETTERS],
      );
      if (dropped.length) {
        await sql.query('INSERT INTO dead_letter_drops (name, dropped) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET dropped = dead_letter_drops.dropped + EXCLUDED.dropped', [name, dropped.length]);
      }
    });
  }

  async removeDeadLetter(name: string, eventId: number): Promise<void> {
    await this.db.query('DELETE FROM dead_letters WHERE name = $1 AND event_id = $2', [name, eventId]);
  }
}
