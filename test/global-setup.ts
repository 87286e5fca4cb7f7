import { execFileSync } from 'node:child_process';

/** Tests that start the real CLI need dist/ current: build it once if sources are newer. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build-if-needed.mjs'], { stdio: 'inherit' });
}
