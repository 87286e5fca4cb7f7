/**
 * Choosing message storage (`AT+CPMS`) and new-message indications (`AT+CNMI`) from what
 * the modem advertises, never hard-coded (docs/hardware.md#message-storage and
 * docs/hardware.md#new-message-indications-atcnmi).
 */

/** Parses an `AT+CPMS=?` answer into the memories allowed per parameter (mem1, mem2, mem3). */
export function parseCpmsTest(line: string): string[][] {
  const body = line.replace(/^\+CPMS\s*:\s*/i, '');
  const names = (s: string): string[] => [...s.matchAll(/[A-Za-z][A-Za-z_]*/g)].map((m) => m[0].toUpperCase());
  if (body.includes('(')) {
    // Innermost groups, which also flattens Wavecom's nested (("SM","BM","SR"),("SM")).
    return [...body.matchAll(/\(([^()]*)\)/g)].map((m) => names(m[1] ?? ''));
  }
  // Without parentheses: iWOW `"SM","SM","SM"` is one memory per parameter, Huawei MU609
  // `"ME","MT","SM"` is one list for every parameter.
  const flat = names(body);
  if (flat.length === 0) return [];
  if (new Set(flat).size === 1) return flat.map((n) => [n]);
  return [flat, flat, flat];
}

/** What `AT+CPMS=` to send and what it selects. */
export interface StorageChoice {
  /** Parameters to send, e.g. `["ME","ME","ME"]`; as many as the modem has groups. */
  params: string[];
  /** mem1: where AT+CMGR / AT+CMGL / AT+CMGD look. */
  read: string;
  /** mem3: where new messages are stored (and +CMTI points). */
  receive: string;
}

/**
 * The receive memory is the first preferred name allowed both as mem1 and as mem3, so an
 * index from `+CMTI` reads back with `AT+CMGR` without switching; mem2 follows when allowed.
 */
export function chooseStorage(groups: readonly string[][], preference: readonly string[]): StorageChoice | undefined {
  const usable = groups.filter((g) => g.length > 0);
  if (usable.length === 0 || usable.length !== groups.length) return undefined;
  const first = usable[0] ?? [];
  const last = usable[usable.length - 1] ?? [];
  const candidates = [...preference, ...first];
  const receive = candidates.find((m) => first.includes(m) && last.includes(m));
  if (receive === undefined) return undefined;
  const params = usable.map((g) => (g.includes(receive) ? receive : preference.find((m) => g.includes(m)) ?? g[0] ?? receive));
  return { params, read: receive, receive };
}

/** Parses `+CNMI: (0-3),(0,1,3),(0),(0,1),(0,1)` into one allowed set per parameter. */
export function parseCnmiTest(line: string): Set<number>[] {
  const body = line.replace(/^\+CNMI\s*:\s*/i, '');
  return [...body.matchAll(/\(([^()]*)\)/g)].map((m) => {
    const set = new Set<number>();
    for (const item of (m[1] ?? '').split(',')) {
      const r = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(item);
      if (!r) continue;
      const lo = Number(r[1]);
      const hi = r[2] === undefined ? lo : Number(r[2]);
      for (let i = lo; i <= hi && i - lo < 100; i++) set.add(i);
    }
    return set;
  });
}

/** How status reports arrive with a given CNMI setting. */
export type ReportRouting = 'stored' | 'direct' | 'none';

/** One `AT+CNMI=` setting to try. */
export interface CnmiCandidate {
  args: string;
  mt: number;
  reports: ReportRouting;
}

/** What the session wants from CNMI. */
export interface CnmiWishes {
  statusReports: boolean;
  /** Prefer `<ds>=1` (+CDS in the URC): Quectel's +CDSI names the wrong memory. */
  preferDirectReports?: boolean;
  /** Never `<ds>=1`: Qualcomm devices reject it although advertised. */
  rejectsDirectReports?: boolean;
}

const pick = (set: Set<number> | undefined, order: readonly number[]): number | undefined => {
  if (!set) return order[0];
  return order.find((v) => set.has(v)) ?? [...set].sort((a, b) => a - b)[0];
};

/**
 * Settings to try in order. mode prefers 2, then 1 (Huawei MU509 has no 2), then 3 (gammu);
 * mt prefers 1 (kept in storage + `+CMTI`), then 0 (kept silently; the worker's periodic listing
 * finds it) and 2 (`+CMT`, needs `+CNMA` when `+CSMS=1`) only when it is the only value;
 * ds prefers 1: the report arrives inside `+CDS` (no `+CNMA` needed while `+CSMS=0`, which
 * the gateway never changes), so it costs no AT+CMGR/AT+CMGD on the modem's one command
 * channel; stored reports (ds=2) cost two commands each and would push the gateway past
 * 1.5 commands per sent part. Qualcomm devices that reject ds=1 get 2. Then down to 0.
 * Without a `AT+CNMI=?` answer, ModemManager's fixed sequence is used.
 */
export function cnmiCandidates(ranges: readonly Set<number>[] | undefined, wishes: CnmiWishes): CnmiCandidate[] {
  const dsOrder: number[] = !wishes.statusReports ? [] : wishes.rejectsDirectReports && !wishes.preferDirectReports ? [2] : [1, 2];
  const routing = (ds: number): ReportRouting => (ds === 2 ? 'stored' : ds === 1 ? 'direct' : 'none');
  if (!ranges || ranges.length < 2) {
    return [...dsOrder, 0].map((ds) => ({ args: `2,1,0,${ds},0`, mt: 1, reports: routing(ds) }));
  }
  const mode = pick(ranges[0], [2, 1, 3]) ?? 2;
  const mt = pick(ranges[1], [1, 0, 3, 2]) ?? 1;
  const bm = pick(ranges[2], [0]);
  const bfr = pick(ranges[4], [0]);
  const dsSet = ranges[3];
  const out: CnmiCandidate[] = [];
  for (const ds of [...dsOrder, 0]) {
    if (dsSet && !dsSet.has(ds)) continue;
    const values = [mode, mt, bm, ds, bfr].slice(0, Math.max(2, ranges.length));
    out.push({ args: values.map((v) => String(v ?? 0)).join(','), mt, reports: routing(ds) });
  }
  return out;
}
