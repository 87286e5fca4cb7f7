/**
 * Reading the extra answers `katar-sms probe` asks for (`AT+CSCA?`, `AT+CPMS?`).
 */

/** One message memory of `AT+CPMS?`: name, messages stored, capacity. */
export interface StorageUse {
  memory: string;
  used: number;
  total: number;
}

/** The SMSC of `+CSCA: "+31624000000",145`; undefined when none is stored (`""`). */
export function parseCsca(lines: readonly string[]): string | undefined {
  const line = lines.find((l) => /^\+CSCA\s*:/i.test(l.trim()));
  const value = line && /"([^"]*)"/.exec(line)?.[1]?.trim();
  return value ? value : undefined;
}

/**
 * The memories of `+CPMS: "ME",3,23,"ME",3,23,"SM",0,30` (27.005 §3.2.2: mem1 read,
 * mem2 write, mem3 receive), each memory once.
 */
export function parseCpmsRead(lines: readonly string[]): StorageUse[] {
  const line = lines.find((l) => /^\+CPMS\s*:/i.test(l.trim()));
  if (!line) return [];
  const out: StorageUse[] = [];
  for (const m of line.matchAll(/"([^"]+)"\s*,\s*(\d+)\s*,\s*(\d+)/g)) {
    const memory = (m[1] ?? '').toUpperCase();
    if (!out.some((s) => s.memory === memory)) out.push({ memory, used: Number(m[2]), total: Number(m[3]) });
  }
  return out;
}
