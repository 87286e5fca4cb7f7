import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { isKatarError } from '../../src/errors.js';
import { EVENT_TYPES } from '../../src/queue/gateway-event.js';

const SECRET = 'config-secret-0123456789';
const good = { name: 'crm', url: 'https://example.com/katar?token=abc', events: ['sms.sent', 'sms.failed'], secret: SECRET };

/** The CONFIG_INVALID error for `raw`: its key and message. */
function refused(raw: unknown): { key: unknown; message: string } {
  try {
    parseConfig(raw);
  } catch (err) {
    if (isKatarError(err, 'CONFIG_INVALID')) return { key: err.details?.key, message: err.message };
    throw err;
  }
  throw new Error(`accepted: ${JSON.stringify(raw)}`);
}

const webhook = (over: Record<string, unknown>, index = 0): unknown => ({ webhooks: [...Array.from({ length: index }, (_, i) => ({ ...good, name: `w${i}` })), { ...good, ...over }] });

describe('webhooks and events in the config', () => {
  it('defaults to no webhooks and a week or 100,000 events of event log', () => {
    const cfg = parseConfig({});
    expect(cfg.webhooks).toEqual([]);
    expect(cfg.events).toEqual({ retentionDays: 7, maxEvents: 100_000 });
  });

  it('takes a webhook with its defaults', () => {
    expect(parseConfig({ webhooks: [good], events: { retentionDays: 30, maxEvents: 500 } })).toMatchObject({
      webhooks: [{ ...good, timeoutMs: 10_000, maxAttempts: 12, maxAgeMs: 86_400_000 }],
      events: { retentionDays: 30, maxEvents: 500 },
    });
    expect(parseConfig(webhook({ url: 'http://127.0.0.1:8080/', events: [...EVENT_TYPES], timeoutMs: 500, maxAttempts: 1, maxAgeMs: 60_000 })).webhooks[0]).toMatchObject({ timeoutMs: 500, maxAttempts: 1, maxAgeMs: 60_000 });
  });

  it.each([
    [{ webhooks: {} }, 'webhooks'],
    [{ webhooks: ['x'] }, 'webhooks[0]'],
    [webhook({ colour: 'red' }), 'webhooks[0].colour'],
    [webhook({ name: undefined }), 'webhooks[0].name'],
    [webhook({ name: 'Has Space' }), 'webhooks[0].name'],
    [webhook({ name: 'x'.repeat(41) }), 'webhooks[0].name'],
    [webhook({ name: 'w0' }, 1), 'webhooks[1].name'],
    [webhook({ url: undefined }), 'webhooks[0].url'],
    [webhook({ url: 'not a url' }), 'webhooks[0].url'],
    [webhook({ url: 'ftp://example.com/x' }), 'webhooks[0].url'],
    [webhook({ url: 'https://user:pw@example.com/x' }), 'webhooks[0].url'],
    [webhook({ events: undefined }), 'webhooks[0].events'],
    [webhook({ events: [] }), 'webhooks[0].events'],
    [webhook({ events: 'sms.sent' }), 'webhooks[0].events'],
    [webhook({ events: ['sms.sent', 'sms.lost'] }), 'webhooks[0].events[1]'],
    [webhook({ secret: undefined }), 'webhooks[0].secret'],
    [webhook({ secret: 42 }), 'webhooks[0].secret'],
    [webhook({ timeoutMs: 10 }), 'webhooks[0].timeoutMs'],
    [webhook({ maxAttempts: 0 }), 'webhooks[0].maxAttempts'],
    [webhook({ maxAttempts: 1.5 }), 'webhooks[0].maxAttempts'],
    [webhook({ maxAgeMs: 10 }), 'webhooks[0].maxAgeMs'],
    [{ events: { retentionDays: 0 } }, 'events.retentionDays'],
    [{ events: { maxEvents: 10 } }, 'events.maxEvents'],
    [{ events: { keep: 1 } }, 'events.keep'],
  ])('refuses %j naming %s', (raw, key) => {
    expect(refused(raw).key).toBe(key);
  });

  it('says why a short secret is refused, without echoing it or the URL', () => {
    const r = refused(webhook({ secret: 'short-secret' }, 1));
    expect(r).toEqual({ key: 'webhooks[1].secret', message: 'config: webhooks[1].secret must be at least 16 characters (use e.g. `openssl rand -hex 32`)' });
    for (const over of [{ secret: 'short-secret' }, { url: 'gopher://example.com/?token=abc' }, { url: 'https://u:short-secret@example.com/' }, { name: 'BAD' }]) {
      const m = refused(webhook(over)).message;
      expect(m).not.toContain('short-secret');
      expect(m).not.toContain(SECRET);
      expect(m).not.toContain('token=abc');
    }
  });
});
