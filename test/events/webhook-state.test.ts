import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/modem-harness.js';
import { Bench, hook, SECRET } from './webhook-setup.js';

let bench: Bench;
afterEach(() => bench.close());

describe('webhook state and logs', () => {
  it('state() shows where each webhook stands, without its secret or URL query', async () => {
    bench = new Bench();
    const r = await bench.receiver('/in/katar?token=query-secret-token');
    const d = await bench.dispatcher([hook('app', r.url, { events: ['sms.sent'] })]);
    await bench.log.append('sms.sent', { id: 't1' });
    await until(() => d.state()[0]!.delivered === 1, 10_000, 'a delivery');
    const [s] = d.state();
    expect(s).toEqual({
      name: 'app',
      url: `${new URL(r.url).origin}/in/katar?…`,
      events: ['sms.sent'],
      cursor: 1,
      backlog: 0,
      redeliveries: 0,
      attempts: 0,
      deadLetters: 0,
      delivered: 1,
      failedAttempts: 0,
      expired: 0,
      lastSuccessAt: expect.any(String),
      lastError: null,
      lastErrorAt: null,
      claim: 'held',
      deliveredBy: expect.any(String),
    });
    expect(JSON.stringify(d.state())).not.toContain(SECRET);
    expect(JSON.stringify(d.state())).not.toContain('query-secret-token');
    expect(d.stateOf('app')).toEqual(s);
  });

  it('logs each failed delivery at info with webhook, event and reason, never the body, query or secret', async () => {
    bench = new Bench();
    const r = await bench.receiver('/hook?token=query-secret-token');
    // Two 500s, a timeout, two dropped connections, a 500: then it is given up.
    const script = ['500', '500', 'hang', 'drop', 'drop', '500'] as const;
    r.mode = (n) => (script[n - 1] === 'hang' ? { answer: 'hang' } : script[n - 1] === 'drop' ? { answer: 'drop' } : { answer: 'status', status: 500 });
    const d = await bench.dispatcher([hook('app', r.url, { timeoutMs: 100, maxAttempts: 6 })]);
    await bench.append(1);
    await until(() => d.state()[0]!.deadLetters === 1, 10_000, 'given up');
    await d.sendTest('app');
    await d.stop();

    const lines = bench.capture.lines;
    const failures = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'webhook delivery failed');
    expect(failures).toHaveLength(6);
    for (const f of failures) expect(f).toMatchObject({ level: 30, module: 'webhooks', webhook: 'app', eventId: 1, eventType: 'sms.queued', reason: expect.any(String) });
    const reasons = failures.map((f) => f.reason as string);
    expect(reasons).toEqual(['HTTP 500', 'HTTP 500', 'no answer within 100 ms', expect.stringMatching(/UND_ERR_SOCKET|ECONNRESET/), expect.stringMatching(/UND_ERR_SOCKET|ECONNRESET/), 'HTTP 500']);
    expect(lines.some((l) => l.includes('dead letter'))).toBe(true);
    for (const l of lines) {
      expect(l).not.toContain(SECRET);
      expect(l).not.toContain('query-secret-token');
      expect(l).not.toContain('BODY-MARKER');
    }
  });
});
