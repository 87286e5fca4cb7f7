import { parseArgs } from 'node:util';
import { apiRequest, ApiRefusal, refusalText, serverUrl, ServerUnreachable, type ApiClientOptions } from './api-client.js';
import { intOption, UsageError } from './args.js';
import { localServerUrl, readCommandConfig } from './config-source.js';
import { processIo, type CliIo } from './io.js';

/** Help text of `katar-sms ussd`. */
export const USSD_USAGE = `Usage: katar-sms ussd --modem NAME CODE
       katar-sms ussd --modem NAME --reply TEXT
       katar-sms ussd --modem NAME --cancel

Sends a USSD code (balance *100#, menus) through a built-in modem of a running katar-sms
server and prints the network's answer. A menu stays open for --reply (e.g. --reply 1)
until it ends or --cancel closes it. Needs an admin token.

Options:
  --modem NAME      the modem (its name in the config, e.g. modem0)
  --reply TEXT      answer the open menu
  --cancel          end the USSD session (AT+CUSD=2)
  --timeout S       how long the network may take, 1-120 (default 30)
  --server URL      the server (default $KATAR_SERVER, else the host and port of
                    --config or $KATAR_CONFIG, else http://127.0.0.1:3000)
  --token TOKEN     admin token (default $KATAR_TOKEN, else the first admin token of
                    --config or $KATAR_CONFIG)
  --config FILE     the gateway's config, for its address and admin token
  --json            print the server's answer as JSON
  -h, --help        this help

Exit codes: 0 answered (also a menu), 1 the network did not support or answer it, the
server refused (unknown modem, a session already open, modem not ready, timeout) or no
server answered; 2 bad command line.
`;

/** The answer of the USSD routes. */
interface UssdAnswer {
  modem: string;
  status: number;
  statusText: string;
  text: string;
  session: 'open' | 'closed';
  dcs?: number;
}

const OPTIONS = {
  modem: { type: 'string' },
  reply: { type: 'string' },
  cancel: { type: 'boolean' },
  timeout: { type: 'string' },
  server: { type: 'string' },
  token: { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** `katar-sms ussd`: a USSD code, a menu reply or a cancel, through the admin API. */
export async function ussd(argv: string[], io: CliIo = processIo): Promise<number> {
  const { values: v, positionals } = parseCommandLine(argv);
  if (v.modem === undefined) throw new UsageError('--modem NAME is required');
  const code = positionals[0];
  if (positionals.length > 1) throw new UsageError(`one USSD code at a time, not ${positionals.length}`);
  const actions = [code !== undefined, v.reply !== undefined, v.cancel === true].filter(Boolean).length;
  if (actions !== 1) throw new UsageError('give a CODE (such as *100#), --reply TEXT or --cancel');
  if (code !== undefined && !/^[0-9*#+]{1,182}$/.test(code)) throw new UsageError(`"${code}" is not a USSD code (1 to 182 of 0-9 * # +, such as *100#; quote it in the shell)`);
  const timeoutS = intOption('timeout', v.timeout, 1, 120) ?? 30;
  const api = await clientOf(v, io, timeoutS);
  const path = `/v1/modems/${encodeURIComponent(v.modem)}/ussd`;
  try {
    if (v.cancel) {
      const r = await apiRequest<{ modem: string; cancelled: boolean }>(api, 'DELETE', path);
      io.out(v.json ? `${JSON.stringify(r, null, 2)}\n` : `${r.modem}: ${r.cancelled ? 'USSD session cancelled' : 'no USSD session was open'}\n`);
      return 0;
    }
    const body = { ...(code !== undefined ? { code } : { text: v.reply }), timeoutMs: timeoutS * 1000 };
    const r = await apiRequest<UssdAnswer>(api, 'POST', code !== undefined ? path : `${path}/reply`, body);
    io.out(v.json ? `${JSON.stringify(r, null, 2)}\n` : describe(r));
    return r.status === 4 || r.status === 5 ? 1 : 0;
  } catch (err) {
    if (err instanceof ApiRefusal) io.err(`katar-sms ussd: ${refusalText(err)}\n`);
    else if (err instanceof ServerUnreachable) io.err(`katar-sms ussd: ${err.message}\n`);
    else throw err;
    return 1;
  }
}

function describe(r: UssdAnswer): string {
  const lines = [r.text === '' ? `(no text; status ${r.status}: ${r.statusText})` : r.text];
  if (r.session === 'open') lines.push(`-- menu open on ${r.modem}: answer with --reply TEXT, or --cancel`);
  else if (r.status !== 0 && r.text !== '') lines.push(`-- status ${r.status}: ${r.statusText}`);
  return `${lines.join('\n')}\n`;
}

/** Server and token: flags, then the environment, then the config (its address and first admin token). */
async function clientOf(v: { server?: string | undefined; token?: string | undefined; config?: string | undefined }, io: CliIo, timeoutS: number): Promise<ApiClientOptions> {
  let server = v.server === undefined ? io.env.KATAR_SERVER : v.server;
  let token = v.token ?? io.env.KATAR_TOKEN;
  if (server === undefined || token === undefined) {
    const source = await readCommandConfig(v.config, io.env);
    if (source.kind === 'loaded') {
      server ??= localServerUrl(source.config);
      token ??= source.config.tokens.find((t) => t.role === 'admin')?.token;
    } else if (source.kind === 'unreadable' && token === undefined) {
      io.err(`katar-sms ussd: cannot read ${source.path} (${source.reason}; sudo can) for its admin token\n`);
    }
  }
  // The server waits for the network's answer: the request may take that long, and a little more.
  return { server: serverUrl(server, {}), ...(token && { token }), timeoutMs: timeoutS * 1000 + 15_000 };
}
