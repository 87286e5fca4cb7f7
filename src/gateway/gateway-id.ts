import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openJsonDocument } from '../queue/store/json-document.js';

/** What a gateway id may look like: it becomes part of worker names (`builtin:<id>:<modem>`). */
export const GATEWAY_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;

interface GatewayIdFile {
  version: 1;
  id?: string;
}

/**
 * The identity of this installation, stable across restarts: kept in `dataDir/gateway.json`,
 * made once from the host name and a random suffix (`raspberrypi-3f9a`), unless the
 * config names one. It tells this gateway's own leases from those of other gateways on
 * a shared queue: at a restart only its own are recovered.
 *
 * Read before the queue opens (the queue needs it to recover its own leases), so before
 * the data-dir lock: two first starts racing on a new data dir may each pick an id, the
 * loser exits at the lock, and the survivor's id is on disk or replaced by the loser's.
 * Either way nothing is lost: a lease under an id no longer this gateway's is treated
 * as another worker's and expires normally.
 */
export async function loadGatewayId(dataDir: string, configured?: string): Promise<string> {
  if (configured !== undefined) return configured; // validated with the config (GATEWAY_ID_PATTERN)
  await mkdir(dataDir, { recursive: true });
  const doc = await openJsonDocument<GatewayIdFile>(join(dataDir, 'gateway.json'), { version: 1 });
  if (doc.data.id && GATEWAY_ID_PATTERN.test(doc.data.id)) return doc.data.id;
  const host = hostname().toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 30) || 'katar';
  doc.data = { version: 1, id: `${host}-${randomBytes(2).toString('hex')}` };
  await doc.write();
  return doc.data.id!;
}

/** The worker name of the built-in worker of `modem` on gateway `gatewayId`. */
export function builtinWorkerId(gatewayId: string, modem: string): string {
  return `builtin:${gatewayId}:${modem}`;
}

/**
 * True when `worker` is one of this gateway's built-in workers, including the names of
 * earlier versions (`builtin:<modem>`, without a gateway id), which only one gateway
 * could have written.
 */
export function isOwnBuiltinWorker(worker: string, gatewayId: string): boolean {
  return worker.startsWith(`builtin:${gatewayId}:`) || /^builtin:[^:]+$/.test(worker);
}
