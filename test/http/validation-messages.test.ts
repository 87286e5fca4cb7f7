import { afterEach, describe, expect, it } from 'vitest';
import { TASK_STATUSES } from '../../src/queue/task.js';
import { startHttp, type HttpHarness } from '../helpers/http-harness.js';

/**
 * Refusals by the route schemas read like the hand-written ones: the allowed values of
 * an enum, the range of a number, what a patterned value must be (never the regular
 * expression), the type, the length; each names its field.
 */
let h: HttpHarness;
afterEach(async () => h?.close());

const json = { 'content-type': 'application/json' };
const get = (url: string) => h.app.inject({ method: 'GET', url });
const post = (url: string, body: unknown) => h.app.inject({ method: 'POST', url, headers: json, payload: JSON.stringify(body) });
const refusal = (field: string | undefined, message: string) => ({ error: 'Bad Request', code: 'VALIDATION', message, ...(field !== undefined && { field }) });

describe('schema refusals', () => {
  it.each([
    ['/v1/queue/sms/tasks?status=sent', 'status', 'status must be one of paused, queued, in progress, done, failed, cancelled'],
    ['/v1/queue/sms/tasks?limit=0', 'limit', 'limit must be a whole number from 1 to 1000'],
    ['/v1/queue/sms/tasks?limit=1001', 'limit', 'limit must be a whole number from 1 to 1000'],
    ['/v1/queue/sms/tasks?limit=abc', 'limit', 'limit must be a whole number from 1 to 1000'],
    ['/v1/queue/sms/tasks?cursor=x1', 'cursor', "cursor must be a page's next"],
    ['/v1/queue/sms/inbox?limit=-5', 'limit', 'limit must be a whole number from 1 to 1000'],
    ['/v1/events?limit=5000', 'limit', 'limit must be a whole number from 1 to 1000'],
    ['/v1/queue/sms/tasks?colour=red', 'colour', 'colour is not a known field'],
    ['/v1/queue/sms/tasks/NOT-AN-ID', 'id', 'id must be a task id (1 to 64 of 0-9 a-z)'],
    [`/v1/queue/${'q'.repeat(65)}`, 'queue', 'queue must be at most 64 characters long'],
  ])('GET %s names %s: "%s"', async (url, field, message) => {
    h = await startHttp();
    const r = await get(url);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual(refusal(field, message));
  });

  it('the status list is the task statuses', () => {
    expect(TASK_STATUSES.join(', ')).toBe('paused, queued, in progress, done, failed, cancelled');
  });

  it.each([
    ['/v1/queue/sms/send', { to: '+61404341143', msg: 'x', priority: 'high' }, 'priority', 'priority must be an integer'],
    ['/v1/queue/sms/send', { to: '+61404341143', msg: 'x', priority: 1.5 }, 'priority', 'priority must be an integer'],
    ['/v1/queue/sms/send', { to: 61404341143, msg: 'x' }, 'to', 'to must be a string'],
    ['/v1/queue/sms/send', { to: '+61404341143', msg: 'x', sendAt: 'x'.repeat(41) }, 'sendAt', 'sendAt must be at most 40 characters long'],
    ['/v1/queue/sms/send', { messages: [] }, 'messages', 'messages must not be empty'],
    ['/v1/queue/sms/send', { messages: [{ to: '+61404341143' }] }, 'messages[0].msg', 'messages[0].msg is required'],
    ['/v1/queue/sms/send', { messages: [{ to: '+61404341143', msg: 'x', colour: 'red' }] }, 'messages[0].colour', 'messages[0].colour is not a known field'],
    ['/v1/queue/sms/send', [{ to: '+61404341143', msg: 'x' }], undefined, 'the body must be a JSON object'],
    ['/v1/queue/sms', { max: 101 }, 'max', 'max must be a whole number from 0 to 100'],
    ['/v1/queue/sms', { max: -1 }, 'max', 'max must be a whole number from 0 to 100'],
    ['/v1/queue/sms', { waitMs: 120001 }, 'waitMs', 'waitMs must be a whole number from 0 to 120000'],
    ['/v1/queue/sms', { tasks: [{ _id: 'a', status: 'sent' }] }, 'tasks[0].status', 'tasks[0].status must be done or failed'],
    ['/v1/queue/sms', { tasks: [{ _id: '', status: 'done' }] }, 'tasks[0]._id', 'tasks[0]._id must not be empty'],
    ['/v1/queue/sms', { tasks: [{ _id: 'a', status: 'failed', error: 'e', final: 'yes' }] }, 'tasks[0].final', 'tasks[0].final must be true or false'],
    ['/v1/queue/sms', { tasks: Array.from({ length: 1001 }, () => ({ _id: 'a', status: 'done' })) }, 'tasks', 'tasks must hold at most 1000 items'],
    ['/v1/queue/sms/receive', { sms: { from: '', msg: 'x' } }, 'sms.from', 'sms.from must not be empty'],
    ['/v1/queue/sms/receive', { sms: 'hello' }, 'sms', 'sms must be an object'],
  ])('POST %s %j names %s: "%s"', async (url, body, field, message) => {
    h = await startHttp();
    const r = await post(url, body);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual(refusal(field, message));
    expect(h.gateway.queue.counts('sms').queued).toBe(0);
  });
});

/** Every schema of the OpenAPI document with a `pattern`, and where it is (a parameter, or a body property). */
function patterned(doc: { paths: Record<string, Record<string, unknown>> }): Array<{ where: string; description: unknown }> {
  const found: Array<{ where: string; description: unknown }> = [];
  const walk = (node: unknown, where: string, description: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (typeof n.pattern === 'string') found.push({ where, description: n.description ?? description });
    for (const [k, v] of Object.entries(n)) walk(v, `${where}/${k}`, undefined);
  };
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const o = op as { parameters?: Array<{ name: string; schema: unknown; description?: string }>; requestBody?: unknown };
      for (const p of o.parameters ?? []) walk(p.schema, `${method} ${path} ${p.name}`, p.description);
      walk(o.requestBody, `${method} ${path} body`, undefined);
    }
  }
  return found;
}

describe('patterns', () => {
  it('every pattern of the API has a description to be quoted in its refusal', async () => {
    h = await startHttp();
    const doc = (await get('/openapi.json')).json();
    const found = patterned(doc);
    expect(found.length).toBeGreaterThanOrEqual(5);
    expect(found.filter((f) => typeof f.description !== 'string' || f.description === '')).toEqual([]);
  });

  it('no refusal quotes a regular expression', async () => {
    h = await startHttp();
    for (const url of ['/v1/queue/sms/tasks?limit=x', '/v1/queue/sms/tasks?cursor=x', '/v1/queue/sms/inbox?limit=x', '/v1/events?limit=x', '/v1/queue/sms/tasks/-']) {
      const { message } = (await get(url)).json();
      expect(message).not.toMatch(/pattern|[\^$\\[\]{}]/);
    }
  });
});
