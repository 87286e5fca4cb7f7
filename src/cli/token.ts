import type { Role } from '../config.js';
import { EXIT, parse, UsageError } from './args.js';
import { readCommandConfig } from './config-source.js';
import { processIo, type CliIo } from './io.js';

/** Help text of `katar-sms token`. */
export const TOKEN_USAGE = `Usage: katar-sms token --role producer|worker|admin [options]
       katar-sms token --name NAME [options]

Prints a bearer token of the gateway's config, alone on a line, so that it can be handed
on: e.g. KATAR_TOKEN=$(sudo katar-sms token --role producer). With --role, the first
token of that role. Reads the file only; the server need not run.

Options:
  --role ROLE       producer (sends SMS, reads its tasks and the inbox), worker (works the
                    queue) or admin (everything)
  --name NAME       the token of this name instead
  --config FILE     the config file (default $KATAR_CONFIG, which the installed katar-sms
                    command sets to /etc/katar-sms/config.json; it is readable by root
                    and the service only, hence sudo)
  -h, --help        this help

Exit codes: 0 printed, 1 no such token, 2 bad command line, 78 unreadable or bad config.
`;

const ROLES: readonly Role[] = ['producer', 'worker', 'admin'];

/** `katar-sms token`: one configured token. */
export async function token(argv: string[], io: CliIo = processIo): Promise<number> {
  const v = parse(argv, { role: { type: 'string' }, name: { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if ((v.role === undefined) === (v.name === undefined)) throw new UsageError('give --role ROLE or --name NAME');
  if (v.role !== undefined && !ROLES.includes(v.role as Role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const source = await readCommandConfig(v.config, io.env);
  if (source.kind === 'none') throw new UsageError('no config: give --config FILE (or set $KATAR_CONFIG)');
  if (source.kind === 'unreadable') {
    io.err(`katar-sms token: cannot read ${source.path} (${source.reason}); it holds the tokens and is readable by root and the service only: sudo katar-sms token ...\n`);
    return EXIT.CONFIG;
  }
  const tokens = source.config.tokens;
  const found = v.name !== undefined ? tokens.find((t) => t.name === v.name) : tokens.find((t) => t.role === v.role);
  if (!found) {
    const have = tokens.length ? tokens.map((t) => `${t.name} (${t.role})`).join(', ') : 'none (the gateway then accepts requests on loopback only, without tokens)';
    io.err(`katar-sms token: ${source.path} has no token ${v.name !== undefined ? `named "${v.name}"` : `with role ${v.role}`}; its tokens: ${have}\n`);
    return EXIT.FAILURE;
  }
  io.out(`${found.token}\n`);
  return EXIT.OK;
}
