import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKatarError } from '../../src/errors.js';
import { lockDataDir } from '../../src/queue/store/data-dir-lock.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/**
 * The data-dir lock across real processes: a stale katar.lock naming a live process does
 * not block, two processes racing for one directory never both win, and the lock of a
 * process killed with -9 (reaped or still a zombie) is free at once.
 *
 * The child processes run the lock module transpiled from src/ into a temporary
 * directory, so they test these sources and not whatever dist/ holds.
 */
let tmp: { dir: string; cleanup: () => Promise<void> };
let holderScript: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  tmp = await makeTmpDir('katar-lock-');
  const lib = join(tmp.dir, 'lib');
  await mkdir(join(lib, 'queue/store'), { recursive: true });
  await writeFile(join(lib, 'package.json'), '{"type":"module"}');
  for (const file of ['errors.ts', 'queue/store/data-dir-lock.ts']) {
    const source = await readFile(new URL(`../../src/${file}`, import.meta.url), 'utf8');
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    await writeFile(join(lib, file.replace(/\.ts$/, '.js')), js);
  }
  // Says "ready" and waits for "go" on stdin (or starts at once with "now"), takes the lock, prints the outcome, holds until killed.
  holderScript = join(lib, 'holder.js');
  await writeFile(
    holderScript,
    `import { createInterface } from 'node:readline';
import { lockDataDir } from './queue/store/data-dir-lock.js';
const lines = createInterface({ input: process.stdin });
const take = async () => {
  try {
    await lockDataDir(process.argv[2]);
    console.log('won');
    setInterval(() => undefined, 1 << 30);
  } catch (err) {
    console.log(err.code + ' ' + err.message);
    process.exit(3);
  }
};
if (process.argv[3] === 'now') void take();
else {
  lines.once('line', () => void take());
  console.log('ready');
}
`,
  );
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await tmp.cleanup();
});

/** A holder process; `next()` is its next line of output. */
function holder(dir: string, now = false): { proc: ChildProcess; next: () => Promise<string> } {
  const proc = spawn(process.execPath, [holderScript, dir, ...(now ? ['now'] : [])], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(proc);
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const r = await lines.next();
    if (r.done) throw new Error(`holder ${proc.pid} ended without output`);
    return r.value;
  };
  return { proc, next };
}

async function kill9(proc: ChildProcess): Promise<void> {
  const exited = once(proc, 'exit');
  proc.kill('SIGKILL');
  await exited;
}

describe('the data-dir lock', () => {
  it('is refused to a second owner in the same process, naming the pid, and free again after release', async () => {
    const dir = join(tmp.dir, 'same-process');
    const lock = await lockDataDir(dir);
    expect((await readFile(lock.path, 'utf8')).trim()).toBe(String(process.pid));
    const err = await lockDataDir(dir).catch((e: unknown) => e);
    expect(isKatarError(err, 'DATA_DIR_LOCKED')).toBe(true);
    expect((err as Error).message).toContain(`pid ${process.pid}`);
    await lock.release();
    const again = await lockDataDir(dir);
    await again.release();
  });

  it('is not blocked by a stale katar.lock that names a live process (pid reuse after a power cut)', async () => {
    const dir = join(tmp.dir, 'stale');
    await mkdir(dir);
    for (const pid of [1, process.ppid]) {
      await writeFile(join(dir, 'katar.lock'), `${pid}\n`);
      const lock = await lockDataDir(dir);
      expect((await readFile(lock.path, 'utf8')).trim()).toBe(String(process.pid));
      await lock.release();
    }
  });

  it('names the pid of the process that holds it', async () => {
    const dir = join(tmp.dir, 'other-process');
    const a = holder(dir, true);
    expect(await a.next()).toBe('won');
    const err = await lockDataDir(dir).catch((e: unknown) => e);
    expect(isKatarError(err, 'DATA_DIR_LOCKED')).toBe(true);
    expect((err as Error).message).toContain(`pid ${a.proc.pid}`);
    await kill9(a.proc);
  });

  it('goes to exactly one of two processes racing for it, every round, and kill -9 frees it', async () => {
    const dir = join(tmp.dir, 'race');
    await mkdir(dir);
    for (let round = 0; round < 25; round++) {
      const racers = [holder(dir), holder(dir)];
      // Both are loaded and waiting: release them together.
      expect(await Promise.all(racers.map((r) => r.next()))).toEqual(['ready', 'ready']);
      for (const r of racers) r.proc.stdin!.write('go\n');
      const lines = await Promise.all(racers.map((r) => r.next()));
      expect(lines.filter((l) => l === 'won'), `round ${round}: ${lines.join(' | ')}`).toHaveLength(1);
      expect(lines.filter((l) => l.startsWith('DATA_DIR_LOCKED '))).toHaveLength(1);
      const winner = racers[lines.indexOf('won')]!;
      // The winner is killed with -9: the next round must be able to win again.
      await kill9(winner.proc);
      const loser = racers[1 - lines.indexOf('won')]!;
      if (loser.proc.exitCode === null) await once(loser.proc, 'exit');
    }
  }, 60_000);

  it('is free while its killed owner is still a zombie (not yet reaped)', async () => {
    const dir = join(tmp.dir, 'zombie');
    // sh starts the holder in the background, then becomes `sleep`, which never reaps it.
    const parent = spawn('/bin/sh', ['-c', `"${process.execPath}" "${holderScript}" "${dir}" now & echo $!; exec sleep 60`], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(parent);
    const out = createInterface({ input: parent.stdout! });
    const lines: string[] = [];
    out.on('line', (l) => lines.push(l));
    while (!lines.includes('won')) await once(out, 'line');
    const pid = Number(lines[0]);
    expect((await readFile(join(dir, 'katar.lock'), 'utf8')).trim()).toBe(String(pid));
    process.kill(pid, 'SIGKILL');
    // Wait until the kernel shows it as a zombie: killed, not reaped, pid still taken. The
    // main thread turns zombie before node's other threads have exited (they share the
    // descriptor table), so wait for those too: then the process is exactly what a killed,
    // unreaped gateway is.
    for (;;) {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      if (/^State:\s+Z/m.test(status) && /^Threads:\s+1$/m.test(status)) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(() => process.kill(pid, 0)).not.toThrow(); // what fooled the pid-file lock
    const lock = await lockDataDir(dir);
    await lock.release();
    await kill9(parent);
  });
});
