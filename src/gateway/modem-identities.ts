/**
 * The last known identity of each configured modem, by name, kept in
 * `dataDir/modem-identities.json`: its IMEI, the SIM it carried (ICCID, IMSI) and the port
 * it was found on. A different SIM in a known modem is told apart from the same one, also
 * across a restart, and a modem configured by IMEI is looked for first where it was last.
 * The file holds no secret, but the full ICCID and IMSI never leave it: logs and events
 * carry tails (`…5678`).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModemIdentity } from '../modem/session/types.js';
import { openJsonDocument, type JsonDocument } from '../queue/store/json-document.js';
import { SerialChain } from '../serial-chain.js';

/** What is remembered of one modem. */
export interface KnownModem {
  imei: string;
  iccid?: string;
  imsi?: string;
  /** The port it was last found on. */
  path?: string;
  /** When this was last confirmed (ISO 8601). */
  seenAt: string;
}

interface IdentitiesFile {
  version: 1;
  modems: Record<string, KnownModem>;
}

/** Another SIM than the one last seen in this modem, as tails fit for logs and events. */
export interface SimChange {
  previousIccid: string;
  iccid: string;
}

/** The last four digits of an ICCID or IMSI (its padding F dropped), after an ellipsis. */
export function idTail(id: string): string {
  return `…${id.replace(/F+$/i, '').slice(-4)}`;
}

/** The durable book of known modems. */
export class ModemIdentities {
  private readonly chain = new SerialChain();

  private constructor(private readonly doc: JsonDocument<IdentitiesFile>) {}

  /** Opens (or creates) the book in `dataDir`. */
  static async open(dataDir: string): Promise<ModemIdentities> {
    await mkdir(dataDir, { recursive: true });
    const doc = await openJsonDocument<IdentitiesFile>(join(dataDir, 'modem-identities.json'), { version: 1, modems: {} });
    if (typeof doc.data.modems !== 'object' || doc.data.modems === null) doc.data = { version: 1, modems: {} };
    return new ModemIdentities(doc);
  }

  /** What is known of `name`. */
  known(name: string): KnownModem | undefined {
    return Object.hasOwn(this.doc.data.modems, name) ? this.doc.data.modems[name] : undefined;
  }

  /**
   * Records what modem `name` told at its init (and the port it is on); resolves with the
   * SIM change when its SIM is not the one last known. A different IMEI is another modem:
   * its SIM is not compared with the old modem's.
   */
  async record(name: string, identity: ModemIdentity, path?: string): Promise<SimChange | undefined> {
    return this.chain.run(async () => {
      const before = this.known(name);
      const now: KnownModem = { imei: identity.imei, seenAt: new Date().toISOString() };
      if (identity.iccid) now.iccid = identity.iccid;
      if (identity.imsi) now.imsi = identity.imsi;
      const where = path ?? before?.path;
      if (where !== undefined) now.path = where;
      const change = before && before.imei === now.imei ? simChange(before, now) : undefined;
      const same = before && before.imei === now.imei && before.iccid === now.iccid && before.imsi === now.imsi && before.path === now.path;
      if (!same) {
        this.doc.data.modems[name] = now;
        await this.doc.write();
      }
      return change;
    });
  }
}

/** Compares by ICCID where both have one, else by IMSI. */
function simChange(before: KnownModem, now: KnownModem): SimChange | undefined {
  if (before.iccid && now.iccid) return before.iccid === now.iccid ? undefined : { previousIccid: idTail(before.iccid), iccid: idTail(now.iccid) };
  if (before.imsi && now.imsi && before.imsi !== now.imsi) return { previousIccid: idTail(before.iccid ?? before.imsi), iccid: idTail(now.iccid ?? now.imsi) };
  return undefined;
}
