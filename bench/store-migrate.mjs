// How long `katar-sms store migrate` takes to copy a data directory of finished tasks (not in CI).
//   npm run build && node bench/store-migrate.mjs --to postgres://user@host/empty_db [--tasks 100000]
// The data directory is seeded with `tasks` finished tasks (bench/lib.mjs), then copied
// into the database, which must be empty (the command refuses one that is not). Prints
// the command's own summary and the wall time of the whole run.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedHistory } from './lib.mjs';

const root = new URL('..', import.meta.url).pathname;
const { store } = await import(join(process.env.KATAR_DIST ?? join(root, 'dist'), 'src/cli/store.js'));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : process.argv[i + 1];
};
const to = arg('to');
if (!to) {
  console.error('--to postgres://... (an empty database) is required');
  process.exit(2);
}
const tasks = Number(arg('tasks', 100_000));

const dir = await mkdtemp(join(tmpdir(), 'katar-bench-migrate-'));
try {
  await seedHistory(dir, tasks);
  const io = { env: {}, out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
  const t0 = performance.now();
  const code = await store(['migrate', '--from', dir, '--to', to], io);
  console.log(`\n${tasks} finished tasks: exit ${code}, ${((performance.now() - t0) / 1000).toFixed(2)} s for the whole command`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
