import { describe, expect, it } from 'vitest';
import { statusText } from '../../src/service/status-text.js';

const counts = (queued: number, inProgress: number, done = 0): Record<string, number> => ({ paused: 0, queued, 'in progress': inProgress, done, failed: 0, cancelled: 0 });

describe('statusText', () => {
  it('says queue depth, sends in flight and each modem with its signal', () => {
    expect(statusText({ queues: [counts(3, 1, 500)], modems: [{ name: 'modem0', state: 'ready', signalDbm: -71, registration: 'home' }] })).toBe('3 queued, 1 sending; modem0 ready, -71 dBm');
  });

  it('sums the queues and lists every modem', () => {
    const text = statusText({
      queues: [counts(2, 0), counts(5, 2)],
      modems: [
        { name: 'modem0', state: 'sim-pin-required' },
        { name: 'modem1', state: 'ready', signalDbm: -95, registration: 'roaming' },
      ],
    });
    expect(text).toBe('7 queued, 2 sending; modem0 sim-pin-required; modem1 ready (roaming), -95 dBm');
  });

  it('says so when no modem is attached (remote workers only)', () => {
    expect(statusText({ queues: [counts(0, 0)], modems: [] })).toBe('0 queued, 0 sending; no modem');
  });

  it('keeps the text on one short line', () => {
    const text = statusText({ queues: [counts(1, 0)], modems: [{ name: 'm', state: 'bad\nSTOPPING=1' }, ...Array.from({ length: 30 }, (_, i) => ({ name: `modem${i}`, state: 'disconnected' }))] });
    expect(text).not.toMatch(/\n/);
    expect(text).toContain('m bad STOPPING=1');
    expect(text.length).toBeLessThanOrEqual(200);
  });
});
