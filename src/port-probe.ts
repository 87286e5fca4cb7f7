import { createServer } from 'node:net';
import { KatarError } from './errors.js';

/** The error a person meets when another process holds the port: one line, what to do. */
export function portInUse(host: string, port: number, cause?: unknown): KatarError {
  return new KatarError(
    'PORT_IN_USE',
    `port ${port} on ${host} is already in use (another katar-sms, or another program); stop it or choose another port with --port or "port" in the config`,
    { host, port },
    { cause },
  );
}

/** True for node's "address already in use" (from net or from fastify's listen). */
export function isAddressInUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

/**
 * Binds host:port and lets go at once, so a port held by another process is reported
 * before the data dir is locked or a modem is opened. Port 0 (any free port) is not
 * probed. Between the probe and the real listen another process could still take the
 * port; the listen maps that to the same error.
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => resolve());
    });
  } catch (err) {
    throw isAddressInUse(err) ? portInUse(host, port, err) : err;
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
