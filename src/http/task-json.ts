import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Task } from '../queue/task.js';
import { taskSchema } from './schemas.js';

/** The content type fastify gives a serialised JSON answer; a pre-built one must carry the same. */
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Writes the answer of a send, `{"messages":[task, ...]}` or one task, through the
 * serialiser fastify compiles for `taskSchema`: byte for byte what the route's response
 * schema writes. That schema is an `anyOf` (batch or single task), which fast-json-stringify
 * resolves by validating the whole answer with ajv before writing it; a batch of 1,000
 * tasks cost about 8 ms that way, about 2 ms written directly.
 *
 * Task JSON is not kept between requests: a cache of every queued task's JSON would
 * cost about 300 bytes per task (30 MB at 100,000), more than the listing gains from it.
 */
export function sendTasks(reply: FastifyReply, tasks: readonly Task[]): FastifyReply {
  const one = serializer(reply);
  let body = '{"messages":[';
  for (let i = 0; i < tasks.length; i++) body += (i === 0 ? '' : ',') + one(tasks[i]!);
  return reply.type(JSON_TYPE).send(`${body}]}`);
}

/** Writes one task as the answer, as `taskSchema` writes it. */
export function sendTask(reply: FastifyReply, task: Task): FastifyReply {
  return reply.type(JSON_TYPE).send(serializer(reply)(task));
}

type Serialize = (t: Record<string, unknown>) => string;

/** The serialisers compiled by `precompileTaskJson`, by the fastify instance their routes belong to. */
const precompiled = new WeakMap<FastifyInstance, Serialize>();

/**
 * Compiles the serialiser of `taskSchema` for the routes of `app` (a route plugin's own
 * instance) when the app gets ready, before it listens. Compiled on the first answer
 * instead, it made the first send after a start several times slower than the next ones:
 * fast-json-stringify builds an ajv instance for the schema's `anyOf` (3-5 ms on one core).
 */
export function precompileTaskJson(app: FastifyInstance): void {
  app.addHook('onReady', async function (this: FastifyInstance) {
    const compile = this.serializerCompiler;
    if (!compile) return;
    const fn = compile({ schema: taskSchema, method: 'POST', url: '/', httpStatus: '201' }) as Serialize;
    precompiled.set(this, fn);
    // Run once: V8 compiles the generated code on its first call, which would be the first send's.
    fn(SAMPLE_TASK as unknown as Record<string, unknown>);
  });
}

/** A task as a send answers it, for the serialiser's first run. */
const SAMPLE_TASK: Task = {
  _id: 'warm-up',
  queue: 'warm-up',
  seq: 1,
  data: { to: '+61404341143', msg: 'warm-up' },
  status: 'queued',
  priority: 0,
  parts: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  attempts: [],
};

/** The precompiled serialiser, else the one fastify compiles once per route and keeps (keyed by the schema object). */
function serializer(reply: FastifyReply): (t: Task) => string {
  const fn = precompiled.get(reply.server) ?? reply.compileSerializationSchema(taskSchema);
  return (t) => fn(t as unknown as Record<string, unknown>);
}
