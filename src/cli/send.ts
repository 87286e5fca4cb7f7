import { setTimeout as delay } from 'node:timers/promises';
import { apiRequest, ApiRefusal, refusalText, serverUrl, ServerUnreachable, type ApiClientOptions } from './api-client.js';
import { intOption, parse, UsageError } from './args.js';
import { processIo, type CliIo } from './io.js';

/** Help text of `katar-sms send`. */
export const SEND_USAGE = `Usage: katar-sms send --to NUMBER --msg TEXT [options]

Queues one SMS on a running katar-sms server (POST /v1/queue/QUEUE/send) and prints the
task id and status; with --wait, follows the task until it is done or failed.

Options:
  --to NUMBER       recipient, E.164 (+61404341143) or national with the server's defaultRegion
  --msg TEXT        the message
  --server URL      the server (default $KATAR_SERVER, else http://127.0.0.1:3000)
  --token TOKEN     bearer token with the producer role (default $KATAR_TOKEN)
  --queue NAME      queue to send on (default sms)
  --priority N      -1000 to 1000 (HIGH 10, NORMAL 0, LOW -10; default 0)
  --wait            wait until the task is done, failed or cancelled
  --timeout S       with --wait: give up after S seconds (default 300)
  --json            print the task as JSON
  -h, --help        this help

Exit codes: 0 queued (with --wait: done), 1 the server refused it (its message names the
field), no server answered, or with --wait the task failed, was cancelled or is still
pending at the timeout; 2 bad command line.
`;

/** The fields of a task the command reads. */
interface TaskView {
  _id: string;
  status: string;
  parts?: number;
  error?: string;
}

const FINAL = new Set(['done', 'failed', 'cancelled']);

/** `katar-sms send`: queues one SMS through the producer API. */
export async function send(argv: string[], io: CliIo = processIo): Promise<number> {
  const v = parse(argv, {
    to: { type: 'string' },
    msg: { type: 'string' },
    server: { type: 'string' },
    token: { type: 'string' },
    queue: { type: 'string', default: 'sms' },
    priority: { type: 'string' },
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.to === undefined) throw new UsageError('--to NUMBER is required');
  if (v.msg === undefined) throw new UsageError('--msg TEXT is required');
  if (!/^[a-z0-9_-]{1,32}$/.test(v.queue)) throw new UsageError('--queue must be 1-32 of a-z 0-9 _ -');
  const priority = intOption('priority', v.priority, -1000, 1000);
  const timeoutS = intOption('timeout', v.timeout, 1, 86_400) ?? 300;
  const token = v.token ?? io.env.KATAR_TOKEN;
  const api: ApiClientOptions = { server: serverUrl(v.server, io.env), ...(token && { token }) };
  const queuePath = `/v1/queue/${v.queue}`;
  try {
    let task = await apiRequest<TaskView>(api, 'POST', `${queuePath}/send`, { to: v.to, msg: v.msg, ...(priority !== undefined && { priority }) });
    if (!v.json) io.out(`queued ${task._id} on ${api.server} (queue ${v.queue}, ${task.parts ?? 1} part${task.parts === 1 ? '' : 's'}): ${task.status}\n`);
    if (v.wait) task = await follow(api, `${queuePath}/tasks/${encodeURIComponent(task._id)}`, task, performance.now() + timeoutS * 1000);
    if (v.json) io.out(`${JSON.stringify(task, null, 2)}\n`);
    if (!v.wait) return 0;
    if (!v.json) io.out(`${task._id}: ${task.status}${task.error ? ` (${task.error})` : ''}\n`);
    if (task.status === 'done') return 0;
    if (!FINAL.has(task.status)) io.err(`katar-sms send: ${task._id} is still ${task.status} after ${timeoutS} s\n`);
    return 1;
  } catch (err) {
    if (err instanceof ApiRefusal) io.err(`katar-sms send: ${refusalText(err)}\n`);
    else if (err instanceof ServerUnreachable) io.err(`katar-sms send: ${err.message}\n`);
    else throw err;
    return 1;
  }
}

/** Polls the task until a final status or the deadline; returns the last one seen. */
async function follow(api: ApiClientOptions, path: string, first: TaskView, deadline: number): Promise<TaskView> {
  let task = first;
  let wait = 200;
  while (!FINAL.has(task.status) && performance.now() < deadline) {
    await delay(Math.min(wait, Math.max(deadline - performance.now(), 0)));
    task = await apiRequest<TaskView>(api, 'GET', path);
    wait = Math.min(wait * 1.5, 2_000);
  }
  return task;
}
