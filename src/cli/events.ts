import { EVENT_TYPES } from '../queue/gateway-event.js';
import { apiRequest, ApiRefusal, clientOptions, refusalText, ServerUnreachable, type ApiClientOptions } from './api-client.js';
import { intOption, parse, UsageError } from './args.js';
import { EventStreamBroken, followEvents, type EventView } from './event-follow.js';
import { untilInterrupted } from './interrupt.js';
import { processIo, type CliIo } from './io.js';
import { SseTooLarge } from './sse-reader.js';

/** Help text of `katar-sms events`. */
export const EVENTS_USAGE = `Usage: katar-sms events [options]

Prints the events of a running katar-sms server (GET /v1/events), oldest first, one line
each: id, time, type and a summary (the task id and status, or the sender of a received
SMS). With --follow, stays on the event stream (GET /v1/events/stream) and prints events
as they happen until Ctrl-C; after a dropped connection it reconnects where it left off,
so no event is printed twice or skipped.

Options:
  --after ID        only events after this id (default: from the oldest the server keeps)
  --types A,B       only these types: ${EVENT_TYPES.join(', ')}
  --follow          follow the event stream; Ctrl-C ends it (exit 0)
  --server URL      the server (default $KATAR_SERVER, else http://127.0.0.1:3000)
  --token TOKEN     bearer token (default $KATAR_TOKEN)
  --json            print each event as one line of JSON
  -h, --help        this help

Example:
  katar-sms events --follow --types sms.received,sms.failed

Exit codes: 0 ok (with --follow: ended by Ctrl-C), 1 the server refused (also when the
events after --after are no longer kept: the message names the oldest one), or no server
answered (with --follow: at the first connection; later drops are reconnected), 2 bad
command line.
`;

interface EventPageView {
  events: EventView[];
  next?: number | string;
}

/** Events per request of a listing. */
const PAGE = 100;

/** How `events` runs beyond its command line: tests stop it and reconnect faster. */
export interface EventsRun {
  /** Ends --follow (default: Ctrl-C or SIGTERM). */
  signal?: AbortSignal;
  /** First reconnection delay of --follow. */
  retryMs?: number;
  /** Silence after which --follow counts its connection as dropped. */
  idleMs?: number;
}

/** `katar-sms events`: the events of a running server, listed or followed. */
export async function events(argv: string[], io: CliIo = processIo, run: EventsRun = {}): Promise<number> {
  const v = parse(argv, {
    after: { type: 'string' },
    types: { type: 'string' },
    follow: { type: 'boolean' },
    server: { type: 'string' },
    token: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const given = intOption('after', v.after, 0, 999_999_999_999_999);
  const types = v.types === undefined ? undefined : typeList(v.types);
  const api = clientOptions(v, io.env);
  const interrupt = v.follow && !run.signal ? untilInterrupted() : undefined;
  const stop = run.signal ?? interrupt?.signal ?? new AbortController().signal;
  let after = given;
  let printed: number | undefined;
  const print = (ev: EventView): void => {
    printed = ev.id;
    io.out(v.json ? `${JSON.stringify(ev)}\n` : eventLine(ev));
  };
  try {
    for (;;) {
      try {
        if (v.follow) {
          await followEvents({ api, after: printed ?? after, ...(types && { types }), stop, onEvent: print, onNotice: (t) => io.err(`katar-sms events: ${t}\n`), ...(run.retryMs !== undefined && { retryMs: run.retryMs }), ...(run.idleMs !== undefined && { idleMs: run.idleMs }) });
        } else await listEvents({ ...api, signal: stop }, after, types, print);
        return 0;
      } catch (err) {
        if (stop.aborted) return 0;
        // No --after: "from the oldest kept" is a place the server can name.
        const oldest = err instanceof ApiRefusal && err.code === 'EVENTS_EXPIRED' ? oldestKept(err) : undefined;
        if (oldest !== undefined && given === undefined && printed === undefined && after === undefined) {
          after = oldest - 1;
          continue;
        }
        return failed(io, err, printed ?? after ?? 0);
      }
    }
  } finally {
    interrupt?.dispose();
  }
}

/** Pages through the events after `after` until a page brings the cursor no further. */
async function listEvents(api: ApiClientOptions, after: number | undefined, types: string | undefined, print: (ev: EventView) => void): Promise<void> {
  let cursor = after ?? 0;
  for (;;) {
    const query = new URLSearchParams({ after: String(cursor), limit: String(PAGE), ...(types && { types }) });
    const page = await apiRequest<EventPageView>(api, 'GET', `/v1/events?${query}`);
    const before = cursor;
    for (const ev of page.events) {
      if (ev.id <= cursor) continue;
      print(ev);
      cursor = ev.id;
    }
    // `next` may pass events of other types than asked for.
    const next = Number(page.next);
    if (Number.isSafeInteger(next) && next > cursor) cursor = next;
    if (cursor === before) return;
  }
}

/** One event as one line: id, time, type, summary. */
export function eventLine(ev: EventView): string {
  const summary = eventSummary(ev);
  return `${ev.id} ${ev.time} ${ev.type}${summary ? ` ${summary}` : ''}\n`;
}

/** What an event is about, in a few words: the task and its status, the sender, the modem. */
export function eventSummary(ev: EventView): string {
  const d = ev.data ?? {};
  const text = (k: string): string | undefined => (typeof d[k] === 'string' ? d[k] : undefined);
  if (ev.type === 'sms.received') return `from ${text('from') ?? '?'}`;
  if (ev.type === 'modem.state') return [text('name'), text('state')].filter(Boolean).join(' ');
  if (ev.type === 'modem.balance') return [text('modem'), typeof d.amount === 'number' ? String(d.amount) : text('text')].filter(Boolean).join(' ');
  if (ev.type === 'call.incoming') return `${text('modem') ?? '?'} from ${text('from') || 'unknown'}${d.rejected === true ? ' (rejected)' : ''}`;
  const id = text('_id');
  return id ? `${id} ${text('status') ?? ''}`.trim() : '';
}

/** `--types a,b`, each one a type the server knows. */
function typeList(raw: string): string {
  const types = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = types.find((t) => !(EVENT_TYPES as readonly string[]).includes(t));
  if (types.length === 0 || unknown !== undefined) throw new UsageError(`--types must be a comma-separated list of ${EVENT_TYPES.join(', ')}${unknown ? `; "${unknown}" is none of them` : ''}`);
  return types.join(',');
}

/** The oldest id the server keeps, as an EVENTS_EXPIRED answer carries it. */
function oldestKept(err: ApiRefusal): number | undefined {
  const oldest = err.body.oldest;
  return typeof oldest === 'number' && Number.isSafeInteger(oldest) && oldest > 0 ? oldest : undefined;
}

/** Prints why the command ends; exit code 1. Anything unforeseen is a bug and thrown. */
function failed(io: CliIo, err: unknown, cursor: number): number {
  if (err instanceof ApiRefusal && err.code === 'EVENTS_EXPIRED') {
    const oldest = oldestKept(err);
    const named = oldest === undefined || err.message.includes(String(oldest)) ? '' : `; the oldest event kept is ${oldest}`;
    io.err(`katar-sms events: cannot go on after event ${cursor}: ${err.message}${named}\n`);
  } else if (err instanceof ApiRefusal) io.err(`katar-sms events: ${refusalText(err)}\n`);
  else if (err instanceof ServerUnreachable || err instanceof EventStreamBroken || err instanceof SseTooLarge) io.err(`katar-sms events: ${err.message}\n`);
  else throw err;
  return 1;
}
