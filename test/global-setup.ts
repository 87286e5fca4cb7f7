import { execFileSync } from 'node:child_process';

/**
 * Tests that start the real CLI need dist/ current: build it once if sources are newer.
 * KATAR_SKIP_BUILD=1 skips it when running unit tests while the tree does not compile.
 */
export default function setup(): void {
  if (process.env.KATAR_SKIP_BUILD === '1') return;
  execFileSync(process.execPath, ['scripts/build-if-needed.mjs'], { stdio: 'inherit' });
}
