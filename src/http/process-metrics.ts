import { readdirSync } from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/*
 * The process's own health, by hand in the same text format as the gateway's metrics
 * (metrics.ts) and under the names prom-client's default collectors use, so common
 * dashboards find them. A client library would mean a second registry, or porting
 * every gateway metric onto it with names and labels kept exactly; a dozen lines read
 * from node:process and /proc are the smaller change.
 */

const NS_PER_S = 1e9;
/** Sampling period of the event-loop delay (ms). */
const RESOLUTION_MS = 10;

/** One histogram for the process, however many apps (tests build many): lag is process-wide. */
let loopDelay: IntervalHistogram | undefined;

/** Starts sampling the event-loop delay; the first scrape sees the time since. */
export function watchEventLoop(): void {
  if (loopDelay) return;
  loopDelay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  loopDelay.enable();
}

/** Open file descriptors, or undefined where there is no /proc (not Linux). */
function openFds(): number | undefined {
  try {
    // Less the descriptor readdir itself holds on the directory.
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return undefined;
  }
}

/** The process metrics as exposition lines (HELP, TYPE, sample). */
export function processMetricLines(): string[] {
  const out: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, value: number): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
  };
  const cpu = process.cpuUsage();
  metric('process_cpu_user_seconds_total', 'counter', 'User CPU time spent in seconds.', cpu.user / 1e6);
  metric('process_cpu_system_seconds_total', 'counter', 'System CPU time spent in seconds.', cpu.system / 1e6);
  metric('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.', (cpu.user + cpu.system) / 1e6);
  metric('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.', Math.round(Date.now() / 1000 - process.uptime()));
  const mem = process.memoryUsage();
  metric('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', mem.rss);
  metric('nodejs_heap_size_total_bytes', 'gauge', 'Process heap size from Node.js in bytes.', mem.heapTotal);
  metric('nodejs_heap_size_used_bytes', 'gauge', 'Process heap size used from Node.js in bytes.', mem.heapUsed);
  const fds = openFds();
  if (fds !== undefined) metric('process_open_fds', 'gauge', 'Number of open file descriptors.', fds);
  if (loopDelay) {
    // Since the previous scrape, as prom-client does: a stall shows once, then clears. node
    // records the time between samples, the sampling period included: that is taken off,
    // so an idle loop shows about 0, not 0.01.
    const h = loopDelay;
    const seconds = (ns: number): number => (Number.isFinite(ns) && h.count > 0 ? Math.max(0, ns / NS_PER_S - RESOLUTION_MS / 1000) : 0);
    metric('nodejs_eventloop_lag_mean_seconds', 'gauge', 'The mean of the recorded event loop delays since the previous scrape.', seconds(h.mean));
    metric('nodejs_eventloop_lag_p99_seconds', 'gauge', 'The 99th percentile of the recorded event loop delays since the previous scrape.', seconds(h.percentile(99)));
    metric('nodejs_eventloop_lag_max_seconds', 'gauge', 'The maximum recorded event loop delay since the previous scrape.', seconds(h.max));
    h.reset();
  }
  return out;
}
