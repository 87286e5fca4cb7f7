#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { isKatarError } from '../errors.js';
import { EXIT, UsageError, exitCodeFor } from './args.js';
import { SERVE_USAGE, serve } from './serve.js';
import { modemComponents } from '../modem-workers.js';
import { EVENTS_USAGE, events } from './events.js';
import { INBOX_USAGE, inbox } from './inbox.js';
import { PORTS_USAGE, ports } from './ports.js';
import { PROBE_USAGE, probe } from './probe.js';
import { SEND_USAGE, send } from './send.js';
import { SIMULATE_USAGE, simulate } from './simulate.js';
import { WORKER_USAGE, worker } from './worker.js';
import { STATUS_USAGE, status } from './status.js';
import { STORE_USAGE, store } from './store.js';
import { TOKEN_USAGE, token } from './token.js';
import { USSD_USAGE, ussd } from './ussd.js';

const USAGE = `Usage: katar-sms <command> [options]

An SMS gateway for a GSM/LTE modem: a durable SMS queue with an HTTP API, the katar
HTTP worker protocol, and a built-in worker that sends and receives through the modem.

Commands:
  serve       run the gateway (default config: 127.0.0.1:3000, ./data, simulated modem)
  simulate    expose the simulated modem on a pseudo-terminal
  ports       list serial ports, marking likely modems
  probe       identify a modem: model, IMEI, SIM, signal, SMSC, driver (--modem PATH|sim)
  send        queue an SMS on a running server (--to N --msg TEXT [--wait])
  status      queue depth and modem health of a running server
  inbox       the SMS a running server received (--follow: keep printing new ones)
  events      a running server's events (--follow: the live event stream)
  ussd        send a USSD code through a modem ('*100#'; --reply TEXT for menus, --cancel)
  worker      work another katar-sms server's queue with the local modem (--server URL)
  store       check, recover or move a data directory (store check | recover | migrate)
  token       print a token of the config (--role producer|worker|admin, or --name N)
  help        this help (also: katar-sms <command> --help)
  version     print the version

Exit codes: 0 ok, 1 runtime failure (modem not answering, server unreachable or refusing,
SMS failed), 2 bad command line, 78 bad configuration (also: data dir, port or
gateway id in use).
`;

const COMMANDS: Record<string, { usage: string; run: (argv: string[]) => Promise<number> }> = {
  serve: { usage: SERVE_USAGE, run: (argv) => serve(argv, modemComponents()) },
  simulate: { usage: SIMULATE_USAGE, run: simulate },
  ports: { usage: PORTS_USAGE, run: (argv) => ports(argv) },
  probe: { usage: PROBE_USAGE, run: (argv) => probe(argv) },
  send: { usage: SEND_USAGE, run: (argv) => send(argv) },
  status: { usage: STATUS_USAGE, run: (argv) => status(argv) },
  inbox: { usage: INBOX_USAGE, run: (argv) => inbox(argv) },
  events: { usage: EVENTS_USAGE, run: (argv) => events(argv) },
  ussd: { usage: USSD_USAGE, run: (argv) => ussd(argv) },
  worker: { usage: WORKER_USAGE, run: worker },
  store: { usage: STORE_USAGE, run: (argv) => store(argv) },
  token: { usage: TOKEN_USAGE, run: (argv) => token(argv) },
};

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    process.stdout.write(USAGE);
    return cmd ? EXIT.OK : EXIT.USAGE;
  }
  if (cmd === 'version' || cmd === '--version') {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return EXIT.OK;
  }
  const command = COMMANDS[cmd];
  if (!command) {
    process.stderr.write(`katar-sms: unknown command "${cmd}"\n\n${USAGE}`);
    return EXIT.USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.usage);
    return EXIT.OK;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    const code = exitCodeFor(err);
    if (err instanceof UsageError) process.stderr.write(`katar-sms ${cmd}: ${err.message}\n\n${command.usage}`);
    else if (isKatarError(err)) process.stderr.write(`katar-sms ${cmd}: ${err.message}\n`);
    else process.stderr.write(`katar-sms ${cmd}: ${(err as Error)?.stack ?? String(err)}\n`);
    return code;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`katar-sms: ${String(err)}\n`);
    process.exit(EXIT.FAILURE);
  },
);
