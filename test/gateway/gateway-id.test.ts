import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { builtinWorkerId, GATEWAY_ID_PATTERN, isOwnBuiltinWorker, loadGatewayId } from '../../src/gateway/gateway-id.js';
import { FileQueue } from '../../src/queue/file-queue.js';
import { FileStore } from '../../src/queue/store/file-store.js';
import { testSettings } from '../helpers/queue-fixture.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

describe('gateway id', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('is made once per data dir and kept; the config may name it', async () => {
    const tmp = await makeTmpDir();
    cleanups.push(tmp.cleanup);
    const id = await loadGatewayId(tmp.dir);
    expect(id).toMatch(GATEWAY_ID_PATTERN);
    expect(await loadGatewayId(tmp.dir)).toBe(id);
    expect(JSON.parse(await readFile(join(tmp.dir, 'gateway.json'), 'utf8'))).toEqual({ version: 1, id });
    expect(await loadGatewayId(tmp.dir, 'pi-kitchen')).toBe('pi-kitchen');
    expect(parseConfig({ gatewayId: 'pi-kitchen' }).gatewayId).toBe('pi-kitchen');
    expect(() => parseConfig({ gatewayId: 'Pi Kitchen' })).toThrow(/gatewayId/);
  });

  it('names built-in workers builtin:<gateway>:<modem>, and knows the names of earlier versions as its own', () => {
    expect(builtinWorkerId('gw-a', 'modem0')).toBe('builtin:gw-a:modem0');
    expect(isOwnBuiltinWorker('builtin:gw-a:modem0', 'gw-a')).toBe(true);
    expect(isOwnBuiltinWorker('builtin:modem0', 'gw-a')).toBe(true);
    expect(isOwnBuiltinWorker('builtin:gw-b:modem0', 'gw-a')).toBe(false);
    expect(isOwnBuiltinWorker('phone-1', 'gw-a')).toBe(false);
  });

  it('at a restart recovers only its own built-in leases; another gateway\'s sends on the queue are untouched', async () => {
    const tmp = await makeTmpDir();
    cleanups.push(tmp.cleanup);
    const open = async (): Promise<{ q: FileQueue; store: FileStore }> => {
      const store = await FileStore.open(tmp.dir);
      const q = await FileQueue.open({ store, queues: { sms: testSettings() }, sweepIntervalMs: 0, isLocalWorker: (w) => isOwnBuiltinWorker(w, 'gw-a') });
      return { q, store };
    };
    let { q, store } = await open();
    const [mine, theirs] = await q.add('sms', [{ data: { to: '+1', msg: 'a' }, parts: 1 }, { data: { to: '+2', msg: 'b' }, parts: 1 }]);
    await q.lease('sms', 'builtin:gw-a:modem0', 1);
    await q.markSubmitting('sms', 'builtin:gw-a:modem0', mine!.task._id);
    await q.lease('sms', 'builtin:gw-b:modem0', 1);
    await q.markSubmitting('sms', 'builtin:gw-b:modem0', theirs!.task._id);
    q.close();
    await store.close();
    ({ q, store } = await open());
    cleanups.push(async () => {
      q.close();
      await store.close();
    });
    const a = await q.get('sms', mine!.task._id);
    expect([a.status, a.error]).toEqual(['failed', 'outcome unknown: gateway stopped while the modem was sending']);
    const b = await q.get('sms', theirs!.task._id);
    expect([b.status, b.lease?.worker, b.lease?.submitting]).toEqual(['in progress', 'builtin:gw-b:modem0', true]);
  });
});
