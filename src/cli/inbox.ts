import { apiRequest, ApiRefusal, clientOptions, refusalText, ServerUnreachable, worthRetrying } from './api-client.js';
import { parse, UsageError } from './args.js';
import { pause, untilInterrupted } from './interrupt.js';
import { processIo, type CliIo } from './io.js';

/** Help text of `katar-sms inbox`. */
export const INBOX_USAGE = `Usage: katar-sms inbox [options]

Prints the SMS a running katar-sms server received (GET /v1/queue/QUEUE/inbox), oldest
first, one line each: time received, sender, text (line breaks shown as \\n). With
--follow, asks for what arrived since every 2 s and prints it, until Ctrl-C.

Options:
  --queue NAME          queue whose inbox to read (default sms)
  --since CURSOR|ISO    only SMS after this cursor (the seq of an SMS, as --json shows it)
                        or received after this ISO 8601 date-time (2026-03-01T10:00:00Z)
  --follow              keep polling every 2 s; Ctrl-C ends it (exit 0)
  --server URL          the server (default $KATAR_SERVER, else http://127.0.0.1:3000)
  --token TOKEN         bearer token with the producer role (default $KATAR_TOKEN)
  --json                print each SMS as one line of JSON
  -h, --help            this help

Example:
  katar-sms inbox --follow --since 2026-03-01T00:00:00Z

Exit codes: 0 ok (with --follow: ended by Ctrl-C), 1 the server refused (its message says
why) or no server answered (with --follow: at the first request; later outages are waited
out), 2 bad command line.
`;

/** The fields of a received SMS the command prints. */
interface InboxEntryView {
  seq: number;
  from: string;
  msg: string;
  receivedAt: string;
}

interface InboxPageView {
  messages: InboxEntryView[];
  next?: string;
}

/** SMS per request: the most the server gives. */
const PAGE = 1000;

/** How `inbox` runs beyond its command line: tests stop it and poll faster. */
export interface FollowRun {
  /** Ends --follow (default: Ctrl-C or SIGTERM). */
  signal?: AbortSignal;
  /** Between polls of --follow (default 2 s). */
  pollMs?: number;
}

/** `katar-sms inbox`: the received SMS of a running server, optionally followed. */
export async function inbox(argv: string[], io: CliIo = processIo, run: FollowRun = {}): Promise<number> {
  const v = parse(argv, {
    queue: { type: 'string', default: 'sms' },
    since: { type: 'string' },
    follow: { type: 'boolean' },
    server: { type: 'string' },
    token: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (!/^[a-z0-9_-]{1,32}$/.test(v.queue)) throw new UsageError('--queue must be 1-32 of a-z 0-9 _ -');
  if (v.since !== undefined && !isCursorOrInstant(v.since)) throw new UsageError('--since must be a cursor (the seq of an SMS) or an ISO 8601 date-time such as 2026-03-01T10:00:00Z');
  const interrupt = v.follow && !run.signal ? untilInterrupted() : undefined;
  const stop = run.signal ?? interrupt?.signal ?? new AbortController().signal;
  const pollMs = run.pollMs ?? 2_000;
  const api = { ...clientOptions(v, io.env), signal: stop };
  const path = `/v1/queue/${v.queue}/inbox?limit=${PAGE}`;
  let since = v.since;
  let answered = false;
  let failing = false;
  try {
    for (;;) {
      let page: InboxPageView;
      try {
        page = await apiRequest<InboxPageView>(api, 'GET', since === undefined ? path : `${path}&since=${encodeURIComponent(since)}`);
      } catch (err) {
        if (stop.aborted) return 0;
        // A follower that has been reading waits out an outage; the first request says it.
        if (!v.follow || !answered || !worthRetrying(err)) return failed(io, err);
        if (!failing) io.err(`katar-sms inbox: ${problem(err)}; trying again every ${pollMs / 1000} s\n`);
        failing = true;
        await pause(pollMs, stop);
        if (stop.aborted) return 0;
        continue;
      }
      if (failing) io.err('katar-sms inbox: the server answers again\n');
      answered = true;
      failing = false;
      for (const m of page.messages) io.out(v.json ? `${JSON.stringify(m)}\n` : inboxLine(m));
      const last = page.messages[page.messages.length - 1];
      since = page.next ?? (last ? String(last.seq) : since);
      if (page.messages.length === PAGE) continue;
      if (!v.follow) return 0;
      await pause(pollMs, stop);
      if (stop.aborted) return 0;
    }
  } finally {
    interrupt?.dispose();
  }
}

/** One SMS as one line: time, sender, text. */
export function inboxLine(m: InboxEntryView): string {
  return `${m.receivedAt} ${m.from} ${m.msg.replace(/\r\n|\r|\n/g, '\\n')}\n`;
}

/** What the server's inbox takes as `since`: a seq, or a date-time. */
function isCursorOrInstant(s: string): boolean {
  return /^\d{1,15}$/.test(s) || (s.length <= 40 && !Number.isNaN(new Date(s).getTime()));
}

function problem(err: unknown): string {
  return err instanceof ApiRefusal ? refusalText(err) : (err as Error).message;
}

/** Prints a refusal or an unreachable server; exit code 1. Anything else is a bug and thrown. */
function failed(io: CliIo, err: unknown): number {
  if (!(err instanceof ApiRefusal) && !(err instanceof ServerUnreachable)) throw err;
  io.err(`katar-sms inbox: ${problem(err)}\n`);
  return 1;
}
