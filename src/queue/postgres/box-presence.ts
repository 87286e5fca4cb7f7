import { createHash } from 'node:crypto';
import { readdir, readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { hostname, networkInterfaces } from 'node:os';
import { KatarError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { SubscriptionProgress } from '../sms-queue.js';

/** The claim row that says which box runs under `gatewayId` (beside the delivery claims, which never start with `box:`). */
export const presenceClaimName = (gatewayId: string): string => `box:${gatewayId}`;

/**
 * Who this box is, as the presence claim's holder: the host name, the data directory and
 * a hash of the hardware (the Raspberry Pi's serial number, else the MAC addresses of the
 * network cards built in). A restart of the same box, even after kill -9, is the same
 * holder and goes on at once; an SD card cloned into another Pi (same host name, same
 * data dir, same gateway.json) is not.
 */
export async function boxIdentity(dataDir: string): Promise<string> {
  const dir = await realpath(dataDir).catch(() => dataDir);
  const serial = (await readFile('/sys/firmware/devicetree/base/serial-number', 'utf8').catch(() => '')).replace(/\0/g, '').trim();
  const hardware = createHash('sha256').update(serial || (await builtInMacs()).join(',')).digest('hex').slice(0, 12);
  return `${hostname()} ${dir} ${hardware}`;
}

/**
 * The MAC addresses of the network cards that stay put: every interface with a device
 * behind it (whether or not it has an address yet, early at boot), but not one on USB (a
 * LTE stick or a modem's network function comes and goes); all of them when that leaves
 * none; without /sys, those Node.js lists.
 */
async function builtInMacs(): Promise<string[]> {
  const root = '/sys/class/net';
  const names = await readdir(root).catch(() => undefined);
  if (!names) {
    const listed = Object.values(networkInterfaces()).flat().filter((i) => i && !i.internal && i.mac !== '00:00:00:00:00:00');
    return [...new Set(listed.map((i) => i!.mac))].sort();
  }
  const cards: Array<{ mac: string; usb: boolean }> = [];
  for (const name of names) {
    const device = await realpath(join(root, name, 'device')).catch(() => undefined);
    if (!device || device.includes('/virtual/')) continue;
    const mac = (await readFile(join(root, name, 'address'), 'utf8').catch(() => '')).trim();
    if (mac && mac !== '00:00:00:00:00:00') cards.push({ mac, usb: device.includes('/usb') });
  }
  const fixed = cards.filter((c) => !c.usb);
  return [...new Set((fixed.length > 0 ? fixed : cards).map((c) => c.mac))].sort();
}

export interface BoxPresenceOptions {
  progress: SubscriptionProgress;
  gatewayId: string;
  /** boxIdentity() of this box. */
  identity: string;
  /** How long the id stays taken after its box stopped renewing it (died, cut off): config store.presenceTtlMs. */
  ttlMs: number;
  logger: Logger;
}

/**
 * Makes the gateway id one box's in a fleet. Worker names (`builtin:<gateway id>:<modem>`)
 * and delivery claims are told apart by it, and a start ends the leases of its own
 * workers: a second box under the same id (a cloned SD card, a copied config) would end
 * the first one's sends in flight and deliver webhooks beside it. So before that, the
 * starting box claims `box:<gateway id>` on the database's clock and renews it every
 * ttl/3. Held by another identity, it waits one ttl for that claim to run out (a box
 * that died, or this one with a new MAC address) and then refuses to start.
 */
export class BoxPresence {
  readonly #o: BoxPresenceOptions;
  #timer: NodeJS.Timeout | undefined;
  #trying: Promise<void> | undefined;
  #lost = false;

  private constructor(o: BoxPresenceOptions) {
    this.#o = o;
  }

  /** Claims the gateway id, waiting up to one ttl; GATEWAY_ID_IN_USE when another box keeps it. */
  static async take(o: BoxPresenceOptions): Promise<BoxPresence> {
    const p = new BoxPresence(o);
    const name = presenceClaimName(o.gatewayId);
    const pollMs = Math.max(1, Math.floor(o.ttlMs / 3));
    const deadline = performance.now() + o.ttlMs + pollMs;
    let answer = await o.progress.claim(name, o.identity, o.ttlMs);
    if (!answer.granted) o.logger.warn({ gatewayId: o.gatewayId, holder: answer.holder }, `gateway id ${o.gatewayId} is held by another box (${answer.holder}); waiting up to ${Math.round(o.ttlMs / 1000)} s for it to run out, as after a crash`);
    while (!answer.granted) {
      if (performance.now() >= deadline) {
        throw new KatarError(
          'GATEWAY_ID_IN_USE',
          `config: gatewayId ${o.gatewayId} is in use by another running box of the fleet (${answer.holder || 'unknown'}); each box needs its own: set gatewayId in this box's config, or delete gateway.json in its data directory (a cloned SD card) to make a new one`,
          { key: 'gatewayId', gatewayId: o.gatewayId, holder: answer.holder },
        );
      }
      await new Promise((r) => setTimeout(r, pollMs));
      answer = await o.progress.claim(name, o.identity, o.ttlMs);
    }
    p.#timer = setInterval(() => p.#renew(), pollMs);
    p.#timer.unref();
    return p;
  }

  #renew(): void {
    if (this.#trying) return;
    const { progress, gatewayId, identity, ttlMs, logger } = this.#o;
    this.#trying = progress
      .claim(presenceClaimName(gatewayId), identity, ttlMs)
      .then((answer) => {
        if (answer.granted) {
          if (this.#lost) logger.info({ gatewayId }, `gateway id ${gatewayId} is this box's again`);
          this.#lost = false;
        } else if (!this.#lost) {
          // Cut off for longer than the ttl, and another box started under this id meanwhile.
          this.#lost = true;
          logger.error({ gatewayId, holder: answer.holder }, `gateway id ${gatewayId} is now held by another box (${answer.holder}): two boxes run under one id; stop one and give it its own gatewayId`);
        }
      })
      .catch(() => undefined) // the database is away: the store's health says so; the claim lasts its ttl
      .finally(() => (this.#trying = undefined));
  }

  /** Stops renewing and gives the id up, so that the box can start again elsewhere at once. */
  async release(): Promise<void> {
    clearInterval(this.#timer);
    await this.#trying;
    await this.#o.progress.unclaim(presenceClaimName(this.#o.gatewayId), this.#o.identity).catch(() => undefined);
  }
}
