/**
 * The port list of `katar-sms ports`: serialport's listing (or sysfs where it fails),
 * completed from sysfs and /dev links, each port marked when it looks like a modem.
 */
import { basename } from 'node:path';
import type { ModemDriver } from '../modem/driver.js';
import type { SerialPortInfo } from '../modem/serial-port.js';
import { scanDevLinks, scanSysfsTty, type SysfsTty } from './sysfs-ports.js';

/** One port as printed. */
export interface PortEntry extends SerialPortInfo {
  product?: string;
  interfaceNumber?: string;
  driver?: string;
  /** `/dev/katar-modem*` links (the udev rule's stable names) pointing at this port. */
  aliases: string[];
  /** Why this looks like a modem, e.g. `simcom-sim7600: SIM7600 family`; absent otherwise. */
  likelyModem?: string;
}

/** Where the list comes from; every part is replaceable in tests. */
export interface ListPortsDeps {
  listSerial: () => Promise<SerialPortInfo[]>;
  drivers: readonly ModemDriver[];
  sysRoot?: string;
  devDir?: string;
}

/** The ports, and a note when serialport's listing failed and sysfs stood in. */
export interface PortListing {
  ports: PortEntry[];
  source: 'serialport' | 'sysfs';
  warning?: string;
}

// USB manufacturer / product strings of modem makers (SIM7600 reports "SimTech, Incorporated").
const MODEM_MAKERS = /quectel|simcom|simtech|huawei|zte|sierra|telit|u-blox|fibocom|longsung|meig/i;

/** Lists the ports; never rejects because one source is missing. */
export async function listPorts(deps: ListPortsDeps): Promise<PortListing> {
  const sysfs = await scanSysfsTty(deps.sysRoot, deps.devDir);
  const links = await scanDevLinks(deps.devDir);
  let listed: SerialPortInfo[] | undefined;
  let warning: string | undefined;
  try {
    listed = await deps.listSerial();
  } catch (err) {
    const e = err as { code?: string; message?: string };
    warning = `serialport could not list ports (${e.code ?? e.message ?? String(err)}; udevadm missing?): read from sysfs instead`;
  }
  const byName = new Map<string, PortEntry>();
  for (const p of listed ?? []) byName.set(basename(p.path), { ...p, aliases: [] });
  for (const t of sysfs) {
    const name = basename(t.path);
    byName.set(name, merge(byName.get(name), t));
  }
  const ports = [...byName.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([name, p]) => {
      const pnpId = p.pnpId ?? links.byId.get(name);
      const entry: PortEntry = { ...p, aliases: links.aliases.get(name) ?? [], ...(pnpId && { pnpId }) };
      const hint = modemHint(entry, deps.drivers);
      if (hint) entry.likelyModem = hint;
      return entry;
    });
  return { ports, source: listed ? 'serialport' : 'sysfs', ...(warning && { warning }) };
}

/** serialport's fields win; sysfs fills the gaps and adds what serialport never reports. */
function merge(listed: PortEntry | undefined, t: SysfsTty): PortEntry {
  const { serialNumber, ...rest } = t;
  const base: PortEntry = listed ?? { path: t.path, aliases: [] };
  const out: PortEntry = { ...rest, ...(serialNumber && { serialNumber }), ...base };
  return out;
}

/** Why a port looks like a modem: a driver knows its USB ids, or a modem maker made it. */
export function modemHint(port: Pick<PortEntry, 'vendorId' | 'productId' | 'manufacturer' | 'product'>, drivers: readonly ModemDriver[]): string | undefined {
  const vid = port.vendorId?.toLowerCase();
  const pid = port.productId?.toLowerCase();
  if (vid && pid) {
    for (const d of drivers) {
      const usb = d.usb?.find((u) => u.vendorId === vid && u.productId === pid);
      if (usb) return usb.note ? `${d.name}: ${usb.note}` : d.name;
    }
  }
  const maker = MODEM_MAKERS.exec(`${port.manufacturer ?? ''} ${port.product ?? ''}`)?.[0];
  return maker ? `made by ${maker}` : undefined;
}
