import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { postOnce } from '../../src/events/webhook-post.js';
import { signedRequest } from '../../src/events/webhook-signature.js';
import { Receiver } from './receiver.js';

setFlagsFromString('--expose-gc');
/** The collector, callable: a timeout must fire even when nothing but the request holds its timer. */
const gc = runInNewContext('gc') as () => void;

const request = signedRequest({ id: 1, type: 'sms.sent', time: new Date(0).toISOString(), data: {} }, 'secret-secret-secret', 0);
let receiver: Receiver | undefined;
afterEach(async () => receiver?.close());

describe('one webhook POST', () => {
  it('times out against a receiver that never answers, however often the garbage collector runs', async () => {
    receiver = await Receiver.start();
    receiver.mode = { answer: 'hang' };
    const collect = setInterval(gc, 10);
    try {
      const out = await postOnce(receiver.url, request, 200, new AbortController().signal);
      expect(out).toMatchObject({ ok: false, reason: 'no answer within 200 ms' });
      expect(out.err).toBeUndefined();
    } finally {
      clearInterval(collect);
    }
  });

  it('is aborted by the stop signal', async () => {
    receiver = await Receiver.start();
    receiver.mode = { answer: 'hang' };
    const stop = new AbortController();
    const pending = postOnce(receiver.url, request, 120_000, stop.signal);
    while (receiver.arrivals.length === 0) await new Promise((r) => setTimeout(r, 5));
    stop.abort();
    expect(await pending).toMatchObject({ ok: false, reason: 'stopped' });
  });

  it('does not follow a redirect: a 3xx is a failure', async () => {
    receiver = await Receiver.start();
    receiver.mode = { answer: 'status', status: 307 };
    expect(await postOnce(receiver.url, request, 5000, new AbortController().signal)).toMatchObject({ ok: false, status: 307, reason: 'HTTP 307' });
    expect(receiver.arrivals).toHaveLength(1);
  });

  it('names a refused connection by its code, never by the URL', async () => {
    receiver = await Receiver.start('/hook?token=query-secret-token');
    const url = receiver.url;
    await receiver.close();
    const out = await postOnce(url, request, 5000, new AbortController().signal);
    expect(out).toMatchObject({ ok: false, reason: 'connection refused (ECONNREFUSED)' });
    expect(out.reason).not.toContain('query-secret-token');
  });
});
