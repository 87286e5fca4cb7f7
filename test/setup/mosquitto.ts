import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { MOSQUITTO_BIN, startMosquitto } from '../helpers/mosquitto.js';

/** The shared broker of a test run, handed to the tests with inject('mosquitto'). */
export interface ProvidedMosquitto {
  /** Undefined when mosquitto could not run: the tests that need it skip, saying why. */
  url?: string;
  port?: number;
  configPath?: string;
  reason?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    mosquitto: ProvidedMosquitto;
  }
}

/**
 * One mosquitto for the whole run (anonymous, loopback, persistence in a temporary
 * directory), stopped at the end. Tests that stop or restart a broker start their own
 * (test/helpers/mosquitto.ts): stopping this one would break the other files.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!MOSQUITTO_BIN) {
    project.provide('mosquitto', { reason: 'mosquitto is not installed (apt-get install mosquitto)' });
    return async () => undefined;
  }
  const dir = await mkdtemp(join(tmpdir(), 'katar-mosquitto-'));
  try {
    const broker = await startMosquitto(dir);
    project.provide('mosquitto', { url: broker.url, port: broker.port, configPath: broker.configPath });
    return async () => {
      await broker.stop();
      await rm(dir, { recursive: true, force: true });
    };
  } catch (err) {
    project.provide('mosquitto', { reason: `mosquitto did not start: ${(err as Error).message}` });
    await rm(dir, { recursive: true, force: true });
    return async () => undefined;
  }
}
