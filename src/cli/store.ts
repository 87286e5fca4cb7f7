import { stat } from 'node:fs/promises';
import { lockDataDir } from '../queue/store/data-dir-lock.js';
import { checkStore, type CheckReport } from '../queue/store/store-check.js';
import { recoverStore } from '../queue/store/store-recover.js';
import { EXIT, UsageError, parse } from './args.js';
import { processIo, type CliIo } from './io.js';
import { MIGRATE_HELP, MIGRATE_LINE } from './store-migrate-usage.js';

/** Help text of `katar-sms store`. */
export const STORE_USAGE = `Usage: katar-sms store check   [--data-dir DIR] [--json]
       katar-sms store recover [--data-dir DIR] [--json]
       ${MIGRATE_LINE}

check    verifies a data directory without starting the gateway and without writing
         anything: every record's checksum and number, the manifest, the live segments
         and the commit records. It lists each damage with the file, the byte offset and
         what is lost.
recover  (with the gateway stopped) moves the damaged files into DIR/damaged-<time>/,
         keeps every record that can still be read, writes a fresh checkpoint, and
         reports exactly what was lost. The gateway starts afterwards.
${MIGRATE_HELP.what}
A tail that was being written when the power went (never acknowledged) is not damage:
the next start cuts it by itself. See docs/STORE.md.

Options of check and recover:
  --data-dir DIR   the data directory (default $KATAR_DATA_DIR, which the installed
                   katar-sms command sets to /var/lib/katar-sms, else ./data)
  --json           print the report as JSON
  -h, --help       this help

${MIGRATE_HELP.options}
Exit codes: 0 clean (check), recovered (recover) or copied (migrate), 1 damaged (check),
recovery failed, or the copy refused (a database not empty, counts that differ, a
database that cannot be reached), 2 bad command line, 78 the data directory is in use
(recover, migrate) or damaged (migrate: run check and recover first).
`;

function describe(r: CheckReport): string {
  const lines = [`data directory ${r.dir}: ${r.ok ? 'clean' : `${r.problems.length} damaged place(s)`}`];
  for (const p of r.problems) {
    const cost = [p.lostRecords !== undefined && `${p.lostRecords} record(s) lost`, p.ids?.length && `ids: ${p.ids.slice(0, 50).join(', ')}${p.ids.length > 50 ? ` (+${p.ids.length - 50})` : ''}`].filter(Boolean).join('; ');
    lines.push(`  ${p.file} at byte ${p.offset}: ${p.reason}${cost ? ` [${cost}]` : ''}`);
  }
  for (const f of r.pendingFixes) lines.push(`  (not damage) ${f.kind === 'truncate' ? `${f.file}: a never-acknowledged tail after byte ${f.bytes}` : `${f.file}: a leftover`}, removed at the next start`);
  lines.push(`  readable: ${r.counts.live} live tasks, ${r.counts.history} finished tasks, ${r.counts.inbox} received SMS`);
  return lines.join('\n') + '\n';
}

/** `katar-sms store check|recover|migrate`: verifies, repairs or moves a data directory. */
export async function store(argv: string[], io: CliIo = processIo): Promise<number> {
  const [sub, ...rest] = argv;
  // Loaded only for migrate: it brings the PostgreSQL client, which no other start needs.
  if (sub === 'migrate') return (await import('./store-migrate.js')).storeMigrate(rest, io);
  if (sub !== 'check' && sub !== 'recover') throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'check, recover or migrate expected');
  const v = parse(rest, { 'data-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  const dir = v['data-dir'] ?? (io.env.KATAR_DATA_DIR || './data');
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) throw new UsageError(`--data-dir ${dir} is not a directory`);
  if (sub === 'check') {
    const r = await checkStore(dir);
    io.out(v.json ? `${JSON.stringify(r, null, 2)}\n` : describe(r));
    if (!r.ok) io.err(`katar-sms store check: damaged; \`katar-sms store recover --data-dir ${dir}\` keeps what can be read\n`);
    return r.ok ? EXIT.OK : EXIT.FAILURE;
  }
  const lock = await lockDataDir(dir);
  try {
    const r = await recoverStore(dir);
    if (v.json) io.out(`${JSON.stringify(r, null, 2)}\n`);
    else {
      io.out(describe(r));
      io.out(r.ok ? 'nothing to recover\n' : `moved ${r.moved.join(', ') || 'nothing'} to ${dir}/${r.movedTo}/\nnow: ${r.kept.live} live tasks, ${r.kept.history} finished tasks, ${r.kept.inbox} received SMS; the gateway can start\n`);
    }
    return EXIT.OK;
  } finally {
    await lock.release();
  }
}
