import { describe, expect, it } from 'vitest';
import { modemPauseDetail } from '../../src/http/routes/health.js';
import { statusText } from '../../src/service/status-text.js';

const paused = { name: 'm1', state: 'ready', pauseReason: 'limit' as const, pausedUntil: '2026-12-03T00:00:00.000Z', pauseDetail: 'perDay 300 reached: 300 sent in this day (UTC)', updatedAt: '2026-12-02T12:00:00.000Z' };
const night = { name: 'm2', state: 'ready', pauseReason: 'window' as const, pausedUntil: '2026-12-03T07:00:00.000Z', updatedAt: '2026-12-02T12:00:00.000Z' };

describe('what a paused modem looks like', () => {
  it('/readyz detail: one line per paused modem, none for the others', () => {
    expect(modemPauseDetail([paused, night, { name: 'm3', state: 'ready', updatedAt: '2026-12-02T12:00:00.000Z' }])).toEqual([
      'm1 paused by limit until 2026-12-03T00:00:00.000Z (perDay 300 reached: 300 sent in this day (UTC))',
      'm2 outside send window until 2026-12-03T07:00:00.000Z',
    ]);
  });

  it('the systemd status line says until when', () => {
    expect(statusText({ queues: [{ queued: 4, 'in progress': 0 }], modems: [paused, night] })).toBe(
      '4 queued, 0 sending; m1 ready, paused by limit until 2026-12-03T00:00:00.000Z; m2 ready, outside send window until 2026-12-03T07:00:00.000Z',
    );
  });
});
