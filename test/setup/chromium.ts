import { existsSync } from 'node:fs';
import { chromium, type BrowserServer } from 'playwright-core';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The ws endpoint of the run's one Chromium (playwright's `chromium.connect`), '' when there is none. */
    chromiumWsEndpoint: string;
    /** Why there is no browser, for the tests to skip with. */
    chromiumMissing: string;
  }
}

/** Debian's chromium package (what .ci/run installs); KATAR_CHROMIUM names another. */
const EXECUTABLE = process.env.KATAR_CHROMIUM ?? '/usr/bin/chromium';

/**
 * One Chromium per test run, started once and shared by every browser test file (each
 * opens its own context). A machine without it still runs the suite: the browser tests
 * skip, naming the reason.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: BrowserServer | undefined;
  let missing = '';
  if (!existsSync(EXECUTABLE)) missing = `no Chromium at ${EXECUTABLE} (apt-get install -y chromium, or set KATAR_CHROMIUM)`;
  else {
    try {
      // --no-sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
      server = await chromium.launchServer({ executablePath: EXECUTABLE, headless: true, args: ['--no-sandbox'] });
    } catch (err) {
      missing = `Chromium at ${EXECUTABLE} did not start: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  project.provide('chromiumWsEndpoint', server?.wsEndpoint() ?? '');
  project.provide('chromiumMissing', missing);
  return async () => {
    await server?.close();
  };
}
