import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { gatewayParts } from '../../src/gateway/gateway-parts.js';
import { buildApp } from '../../src/http/app.js';
import { FileQueue } from '../../src/queue/file-queue.js';
import { FileStore } from '../../src/queue/store/file-store.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/**
 * A queue name from a URL never finds a member of Object.prototype: every route answers
 * 404 QUEUE_NOT_FOUND for it, nothing reaches the store, and the data dir still opens.
 * (Today `constructor` answered 200, and a send there poisoned every later start.)
 */
const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', 'isPrototypeOf', '__defineGetter__'];
const json = { 'content-type': 'application/json' };

describe('queue names that are members of Object.prototype', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let store: FileStore;
  let queue: FileQueue;
  let app: Awaited<ReturnType<typeof buildApp>>;

  beforeAll(async () => {
    tmp = await makeTmpDir();
    const config = parseConfig({});
    store = await FileStore.open(tmp.dir);
    queue = await FileQueue.open({ store, queues: config.queues, sweepIntervalMs: 0 });
    app = await buildApp({ parts: gatewayParts(queue, { maxParts: config.maxParts }), config });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    queue.close();
    await store.close().catch(() => undefined);
    await tmp.cleanup();
  });

  const files = async (): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const f of await readdir(tmp.dir)) if (f !== 'katar.lock') out[f] = await readFile(join(tmp.dir, f), 'utf8').catch(() => '(dir)');
    return out;
  };

  it.each(NAMES)('every route answers 404 QUEUE_NOT_FOUND for "%s" and changes nothing', async (name) => {
    const before = await files();
    const q = `/v1/queue/${name}`;
    const calls: Array<[string, string, unknown?]> = [
      ['GET', q],
      ['POST', q, {}],
      ['POST', q, { max: 1, waitMs: 10 }],
      ['POST', q, { tasks: [{ _id: 'abc', status: 'done' }] }],
      ['POST', `${q}/send`, { to: '+61404341143', msg: 'poison' }],
      ['POST', `${q}/send`, { messages: [{ to: '+61404341143', msg: 'poison' }] }],
      ['POST', `${q}/receive`, { sms: { from: '+61404341143', msg: 'poison', id: 'x1' } }],
      ['GET', `${q}/tasks`],
      ['GET', `${q}/tasks/abc`],
      ['DELETE', `${q}/tasks/abc`],
      ['GET', `${q}/inbox`],
    ];
    for (const [method, url, body] of calls) {
      const r = await app.inject({ method: method as 'GET', url, headers: json, ...(body !== undefined && { payload: JSON.stringify(body) }) });
      expect([method, url, r.statusCode, r.json().code]).toEqual([method, url, 404, 'QUEUE_NOT_FOUND']);
    }
    await store.commit();
    expect(store.live.size).toBe(0);
    expect(store.inbox.length).toBe(0);
    expect(await files()).toEqual(before);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).poison).toBeUndefined();
  });

  it('leaves a data dir that opens again', async () => {
    await app.close();
    queue.close();
    await store.close();
    const again = await FileStore.open(tmp.dir);
    const q = await FileQueue.open({ store: again, queues: parseConfig({}).queues, sweepIntervalMs: 0 });
    expect(again.live.size).toBe(0);
    expect(q.queueNames).toEqual(['sms']);
    q.close();
    store = again;
  });
});
