import { apiRequest, ApiRefusal, refusalText, serverUrl, ServerUnreachable } from './api-client.js';
import { parse } from './args.js';
import { localServerUrl, readCommandConfig } from './config-source.js';
import { processIo, type CliIo } from './io.js';
import { signalBars } from '../gateway/modem-board.js';

/** Help text of `katar-sms status`. */
export const STATUS_USAGE = `Usage: katar-sms status [options]

Asks a running katar-sms server (GET /healthz) for its queue depth per task status and
the health of its modems (state, signal, registration, operator).

Options:
  --server URL      the server (default: the host and port of --config, else
                    $KATAR_SERVER, else those of $KATAR_CONFIG, else http://127.0.0.1:3000)
  --config FILE     the gateway's config file, to find its host and port (default
                    $KATAR_CONFIG, which the installed katar-sms command sets to
                    /etc/katar-sms/config.json)
  --token TOKEN     bearer token (default $KATAR_TOKEN; /healthz itself needs none)
  --json            print the server's answer as JSON
  -h, --help        this help

Exit codes: 0 the server is ok and every built-in modem is ready, 1 no server answered,
it refused, or a modem is not ready; 2 bad command line.
`;

/** The parts of the /healthz answer the command reads. */
interface Health {
  status: string;
  uptimeSeconds?: number;
  queues?: Record<string, Record<string, number>>;
  modems?: Array<{ name: string; state: string; signalDbm?: number; registration?: string; operator?: string; model?: string; lastError?: string; pauseReason?: string; pausedUntil?: string; pauseDetail?: string }>;
}

const ORDER = ['queued', 'in progress', 'paused', 'done', 'failed', 'cancelled'];

/** `katar-sms status`: queue depth and modem health of a running server. */
export async function status(argv: string[], io: CliIo = processIo): Promise<number> {
  const v = parse(argv, { server: { type: 'string' }, config: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  const server = await statusServer(v.server, v.config, io);
  const token = v.token ?? io.env.KATAR_TOKEN;
  let health: Health;
  try {
    health = await apiRequest<Health>({ server, ...(token && { token }) }, 'GET', '/healthz');
  } catch (err) {
    if (err instanceof ApiRefusal) io.err(`katar-sms status: ${refusalText(err)}\n`);
    else if (err instanceof ServerUnreachable) io.err(`katar-sms status: ${err.message}\n`);
    else throw err;
    return 1;
  }
  const modems = health.modems ?? [];
  const notReady = modems.filter((m) => m.state !== 'ready');
  if (v.json) io.out(`${JSON.stringify(health, null, 2)}\n`);
  else io.out(describe(server, health));
  if (health.status !== 'ok') io.err(`katar-sms status: server status is ${health.status}\n`);
  for (const m of notReady) io.err(`katar-sms status: modem ${m.name} is not ready (${m.state}${m.lastError ? `: ${m.lastError}` : ''})\n`);
  return health.status === 'ok' && notReady.length === 0 ? 0 : 1;
}

/**
 * The server to ask: an explicit flag first, then the environment the user set
 * ($KATAR_SERVER), then the config the installed wrapper names ($KATAR_CONFIG).
 */
async function statusServer(flag: string | undefined, configFlag: string | undefined, io: CliIo): Promise<string> {
  if (flag !== undefined) return serverUrl(flag, io.env);
  if (configFlag === undefined && io.env.KATAR_SERVER) return serverUrl(undefined, io.env);
  const source = await readCommandConfig(configFlag, io.env);
  if (source.kind === 'loaded') return serverUrl(localServerUrl(source.config), io.env);
  if (source.kind === 'unreadable') io.err(`katar-sms status: cannot read ${source.path} (${source.reason}; sudo can), so asking the default server\n`);
  return serverUrl(undefined, io.env);
}

function describe(server: string, h: Health): string {
  const lines = [`server ${server}: ${h.status}${h.uptimeSeconds === undefined ? '' : `, up ${duration(h.uptimeSeconds)}`}`];
  for (const [name, counts] of Object.entries(h.queues ?? {})) {
    const keys = [...ORDER.filter((k) => k in counts), ...Object.keys(counts).filter((k) => !ORDER.includes(k))];
    lines.push(`queue ${name}: ${keys.map((k) => `${counts[k]} ${k}`).join(', ')}`);
  }
  const modems = h.modems ?? [];
  if (modems.length === 0) lines.push('modems: none built in (remote workers only)');
  for (const m of modems) {
    const parts = [
      m.state,
      m.signalDbm !== undefined && `${m.signalDbm} dBm (${signalBars(m.signalDbm)}/4 bars)`,
      m.registration && `registration ${m.registration}`,
      m.operator,
      m.model && `model ${m.model}`,
      m.lastError && `last error: ${m.lastError}`,
      m.pauseReason && m.pausedUntil && `${m.pauseReason === 'limit' ? 'paused by limit' : 'outside send window'} until ${m.pausedUntil}${m.pauseDetail ? ` (${m.pauseDetail})` : ''}`,
    ].filter(Boolean);
    lines.push(`modem ${m.name}: ${parts.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

function duration(s: number): string {
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return m > 0 ? `${m}m ${s % 60}s` : `${s % 60}s`;
}
