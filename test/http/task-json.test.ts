import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { taskSchema } from '../../src/http/schemas.js';
import { sendTask, sendTasks } from '../../src/http/task-json.js';
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

/** The response schema of the send route: a batch or one task. */
const sendReply = { anyOf: [{ type: 'object', properties: { messages: { type: 'array', items: taskSchema } }, required: ['messages'] }, taskSchema] };

/** Routes with the send route's response schema: through fastify's serialiser, and written directly. */
async function routes(): Promise<FastifyInstance> {
  app = Fastify();
  const schema = { response: { 201: sendReply } };
  app.get('/batch-schema', { schema }, async (_req, reply) => reply.status(201).send({ messages: tasks }));
  app.get('/batch-direct', { schema }, async (_req, reply) => sendTasks(reply.status(201), tasks));
  app.get<{ Querystring: { i: string } }>('/one-schema', { schema }, async (req, reply) => reply.status(201).send(tasks[Number(req.query.i)]));
  app.get<{ Querystring: { i: string } }>('/one-direct', { schema }, async (req, reply) => sendTask(reply.status(201), tasks[Number(req.query.i)]!));
  return app;
}

describe('the answer of a send, written directly', () => {
  it('is byte for byte what the anyOf response schema writes, with the same headers', async () => {
    const a = await routes();
    const same = async (want: string, got: string): Promise<void> => {
      const [w, g] = await Promise.all([a.inject({ url: want }), a.inject({ url: got })]);
      expect(g.statusCode).toBe(201);
      expect(g.body).toBe(w.body);
      expect(g.headers['content-type']).toBe(w.headers['content-type']);
      expect(g.headers['content-length']).toBe(w.headers['content-length']);
    };
    await same('/batch-schema', '/batch-direct');
    for (let i = 0; i < tasks.length; i++) await same(`/one-schema?i=${i}`, `/one-direct?i=${i}`);
    const one = JSON.parse((await a.inject({ url: '/one-direct?i=5' })).body) as Record<string, unknown>;
    expect(one).not.toHaveProperty('seq');
    expect(one).not.toHaveProperty('extra');
  });
});
