/**
 * Where a command writes and what environment it sees, handed in so that tests can run a
 * command in-process and read what it printed.
 */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
}

/** The real process: stdout, stderr and process.env. */
export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
};

/** Lines of `label : value` aligned like `gammu identify`; undefined values are skipped. */
export function keyValueLines(rows: ReadonlyArray<readonly [string, string | undefined]>): string {
  const shown = rows.filter((r): r is readonly [string, string] => r[1] !== undefined && r[1] !== '');
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${k.padEnd(width)} : ${v}\n`).join('');
}
