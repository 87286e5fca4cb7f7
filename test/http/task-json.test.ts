import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { taskSchema } from '../../src/http/schemas.js';
import { TaskJson } from '../../src/http/task-json.js';
import type { Task } from '../../src/queue/task.js';

const at = '2026-01-01T00:00:00.000Z';
const base: Task = { _id: 'a1', queue: 'sms', seq: 1, data: { to: '+61404341143', msg: 'hello' }, status: 'queued', priority: 0, parts: 1, createdAt: at, updatedAt: at, attempts: [] };

/** Tasks that use every part of the schema, and things the schema leaves out (seq, unknown keys). */
const tasks: Task[] = [
  base,
  { ...base, _id: 'a2', seq: 2, data: { to: '+61404341143', msg: 'ünï "cödé" \\ € 😀 \n\t\u2028 \u0001' }, priority: -1000, sendAt: at, validUntil: at, idempotencyKey: 'k "1"' },
  {
    ...base, _id: 'a3', seq: 3, status: 'in progress', notBefore: at, error: 'modem said: +CMS ERROR: 500',
    lease: { worker: 'builtin:modem0', expiresAt: at },
    attempts: [{ n: 1, worker: 'w', startedAt: at, endedAt: at, outcome: 'failed', error: 'x' }, { n: 2, worker: 'w', startedAt: at }],
  },
  {
    ...base, _id: 'a4', seq: 4, status: 'done', finishedAt: at, parts: 2,
    delivery: { status: 'failed', references: [17, 18], reportStatus: 70, reason: 'expired', updatedAt: at, parts: [{ reference: 17, modem: 'm:1', epoch: 0, sentAt: at, status: 'delivered', reportStatus: 0, reason: 'ok', reportedAt: at }, { reference: 18, modem: 'm:1', epoch: 0, sentAt: at, status: 'pending' }] },
  } as Task,
  // A task finished by an older version: delivery parts as a map reference -> status.
  { ...base, _id: 'a5', seq: 5, status: 'done', finishedAt: at, delivery: { status: 'pending', references: [3], parts: { 3: 'pending' } } } as unknown as Task,
  { ...base, _id: 'a6', seq: 6, extra: 'not in the schema' } as unknown as Task,
];

let app: FastifyInstance | undefined;
afterEach(async () => app?.close());

/** Two routes with the same response schema: one answers through fastify's serialiser, one with TaskJson. */
async function twoRoutes(live: Map<string, Task>, json: TaskJson): Promise<FastifyInstance> {
  app = Fastify();
  const list = { 200: { type: 'object', properties: { tasks: { type: 'array', items: taskSchema }, next: { type: 'string' } } } };
  app.get<{ Querystring: { next?: string } }>('/schema', { schema: { response: list } }, async (req) => ({ tasks: [...live.values()], ...(req.query.next && { next: req.query.next }) }));
  app.get<{ Querystring: { next?: string } }>('/cached', { schema: { response: list } }, async (req, reply) => json.sendList(reply, 'tasks', [...live.values()], req.query.next ? { next: req.query.next } : {}));
  app.get('/one-schema', { schema: { response: { 200: taskSchema } } }, async () => tasks[3]);
  app.get('/one-cached', { schema: { response: { 200: taskSchema } } }, async (_req, reply) => json.sendOne(reply, tasks[3]!));
  return app;
}

describe('pre-built task JSON', () => {
  it('answers byte for byte what the response schema writes, with the same content type', async () => {
    const live = new Map(tasks.map((t) => [t._id, t]));
    const a = await twoRoutes(live, new TaskJson(live));
    for (const q of ['', '?next=123']) {
      const want = await a.inject({ url: `/schema${q}` });
      for (let round = 0; round < 2; round++) {
        // the second round comes from the cache
        const got = await a.inject({ url: `/cached${q}` });
        expect(got.body).toBe(want.body);
        expect(got.headers['content-type']).toBe(want.headers['content-type']);
        expect(got.headers['content-length']).toBe(want.headers['content-length']);
      }
    }
    const one = await a.inject({ url: '/one-cached' });
    expect(one.body).toBe((await a.inject({ url: '/one-schema' })).body);
    expect(JSON.parse(one.body)).not.toHaveProperty('seq');
  });

  it('a changed task is a new object and gets new JSON; a task no longer live is not kept', async () => {
    const live = new Map(tasks.slice(0, 2).map((t) => [t._id, t]));
    const json = new TaskJson(live);
    const a = await twoRoutes(live, json);
    const first = (await a.inject({ url: '/cached' })).json() as { tasks: Task[] };
    expect(first.tasks[0]!.status).toBe('queued');
    live.set('a1', { ...base, status: 'paused', updatedAt: '2026-01-02T00:00:00.000Z' });
    const second = await a.inject({ url: '/cached' });
    expect(second.body).toBe((await a.inject({ url: '/schema' })).body);
    expect((second.json() as { tasks: Task[] }).tasks[0]!.status).toBe('paused');
  });
});
