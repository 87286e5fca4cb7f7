import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveEvents } from '../../src/dashboard/live.js';

/** A stand-in for the browser's EventSource: the test opens, breaks and feeds it. */
class FakeSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static all: FakeSource[] = [];
  readyState = FakeSource.CONNECTING;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  readonly #listeners = new Map<string, Array<(e: { data: string }) => void>>();
  constructor(readonly url: string) {
    FakeSource.all.push(this);
  }
  addEventListener(type: string, l: (e: { data: string }) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), l]);
  }
  close(): void {
    this.readyState = FakeSource.CLOSED;
  }
  open(): void {
    this.readyState = FakeSource.OPEN;
    this.onopen?.();
  }
  emit(id: number, type = 'sms.received'): void {
    for (const l of this.#listeners.get(type) ?? []) l({ data: JSON.stringify({ id, type, time: '', data: {} }) });
  }
  /** A dropped connection EventSource retries itself (CONNECTING), or a refusal it gives up on (CLOSED). */
  fail(state: number): void {
    this.readyState = state;
    this.onerror?.();
  }
}

describe('the live stream of the dashboard', () => {
  beforeEach(() => {
    FakeSource.all = [];
    vi.useFakeTimers();
    vi.stubGlobal('EventSource', FakeSource);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('starts after the given id, hands on each event once, and says when it is reconnecting', () => {
    const live = new LiveEvents();
    const states: string[] = [];
    const ids: number[] = [];
    live.onState((s) => states.push(s));
    live.subscribe((ev) => ids.push(ev.id));
    live.start(5);
    const source = FakeSource.all[0]!;
    expect(source.url).toBe('/v1/events/stream?after=5');
    source.open();
    source.emit(6);
    source.fail(FakeSource.CONNECTING); // EventSource reconnects with Last-Event-ID
    source.open();
    source.emit(6); // a replay of what was seen
    source.emit(7, 'sms.sent');
    expect(ids).toEqual([6, 7]);
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    expect(FakeSource.all).toHaveLength(1);
    live.stop();
  });

  it('after a 410 (retention passed its cursor) reloads the pages and resumes from the oldest event kept', async () => {
    const fetchMock = vi.fn(async (_url: string, _init?: unknown) => new Response(JSON.stringify({ code: 'EVENTS_EXPIRED', message: 'gone', oldest: 20 }), { status: 410 }));
    vi.stubGlobal('fetch', fetchMock);
    const live = new LiveEvents();
    const reloads = vi.fn();
    live.onReload(reloads);
    live.start(3);
    FakeSource.all[0]!.fail(FakeSource.CLOSED);
    expect(live.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(2100);
    expect(fetchMock).toHaveBeenCalledWith('/v1/events?after=3&limit=1', expect.anything());
    expect(reloads).toHaveBeenCalledTimes(1);
    expect(FakeSource.all).toHaveLength(2);
    expect(FakeSource.all[1]!.url).toBe('/v1/events/stream?after=19');
    live.stop();
  });
});
