// Runs every benchmark in turn. Never part of CI: timings on shared machines vary.
import { execFileSync } from 'node:child_process';
const here = new URL('.', import.meta.url).pathname;
for (const script of ['queue-api.mjs', 'modem-drain.mjs', 'remote-latency.mjs']) {
  console.log(`\n## ${script}\n`);
  execFileSync(process.execPath, [here + script, ...process.argv.slice(2)], { stdio: 'inherit' });
}
