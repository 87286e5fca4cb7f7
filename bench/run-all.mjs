// Runs every benchmark in turn. Never part of CI: timings on shared machines vary.
import { execFileSync } from 'node:child_process';
const here = new URL('.', import.meta.url).pathname;
for (const script of ['queue-api.mjs', 'worker-cycle.mjs', 'modem-drain.mjs', 'remote-latency.mjs', 'resources.mjs', 'gammu-compare.mjs']) {
  console.log(`\n## ${script}\n`);
  // Each script runs with its own defaults (their options differ); run one alone to change them.
  execFileSync(process.execPath, [here + script], { stdio: 'inherit' });
}
