import type { FastifyReply } from 'fastify';
import type { Task } from '../queue/task.js';
import { taskSchema } from './schemas.js';

/** The content type fastify gives a serialised JSON answer; a pre-built one must carry the same. */
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The JSON of tasks exactly as the response schema (`taskSchema`) writes it, built once
 * per task version. Live tasks are immutable (each change makes a new object), so the
 * JSON of a live task object never goes stale, and a WeakMap lets it go with the object.
 * A page of 100 tasks is then 100 lookups and one join instead of 100 schema
 * serialisations: under 50 parallel listing clients that serialisation was the largest
 * cost of the server after the socket writes. The serialiser is fastify's own, compiled
 * for the route (`reply.compileSerializationSchema`), so the bytes are the documented ones.
 *
 * Only tasks that are live are kept: a finished task is read from history into a new
 * object on each request, and keeping its JSON would only fill memory.
 */
export class TaskJson {
  readonly #live: ReadonlyMap<string, Task>;
  readonly #cache = new WeakMap<Task, string>();

  constructor(live: ReadonlyMap<string, Task>) {
    this.#live = live;
  }

  /**
   * The JSON of one task, through the serialiser fastify compiled for `reply`'s route;
   * kept for the next time only with `keep` (listings: pages are read again and again).
   */
  of(reply: FastifyReply, task: Task, keep = true): string {
    const hit = this.#cache.get(task);
    if (hit !== undefined) return hit;
    const json = reply.compileSerializationSchema(taskSchema)(task as unknown as Record<string, unknown>);
    if (keep && this.#live.get(task._id) === task) this.#cache.set(task, json);
    return json;
  }

  /**
   * Sends `{"<key>":[task, ...], "next"?: "..."}`, byte for byte what the route's response
   * schema would write for the same object (`next` only when given).
   */
  sendList(reply: FastifyReply, key: 'tasks' | 'messages', tasks: readonly Task[], opts: { next?: string; keep?: boolean } = {}): FastifyReply {
    const { next, keep = true } = opts;
    let body = `{"${key}":[`;
    for (let i = 0; i < tasks.length; i++) body += (i === 0 ? '' : ',') + this.of(reply, tasks[i]!, keep);
    body += next === undefined ? ']}' : `],"next":${JSON.stringify(next)}}`;
    return reply.type(JSON_TYPE).send(body);
  }

  /** Sends one task, as the route's response schema would write it. */
  sendOne(reply: FastifyReply, task: Task, keep = true): FastifyReply {
    return reply.type(JSON_TYPE).send(this.of(reply, task, keep));
  }
}
