import type { DeadLetter, SubscriptionProgress } from '../sms-queue.js';
import type { Database } from './pg-pool.js';

/** Dead letters kept per subscription; past it the oldest are dropped (and counted), as in the data directory. */
export const MAX_DEAD_LETTERS = 1000;

/** Webhook cursors and dead letters in the shared database: any box can take over a subscription. */
export class PgSubscriptions implements SubscriptionProgress {
  constructor(private readonly db: Database) {}

  async load(name: string): Promise<{ cursor: number | undefined; deadLetters: DeadLetter[] }> {
    const [c] = await this.db.query('SELECT cursor FROM subscriptions WHERE name = $1', [name]);
    const letters = await this.db.query('SELECT letter FROM dead_letters WHERE name = $1 ORDER BY at_ms, event_id', [name]);
    return { cursor: c ? Number(c.cursor) : undefined, deadLetters: letters.map((r) => r.letter as DeadLetter) };
  }

  async saveCursor(name: string, cursor: number): Promise<void> {
    await this.db.query('INSERT INTO subscriptions (name, cursor) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET cursor = EXCLUDED.cursor', [name, cursor]);
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
