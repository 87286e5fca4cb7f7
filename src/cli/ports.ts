import { builtinDrivers } from '../../drivers/index.js';
import { listSerialPorts } from '../modem/serial-port.js';
import { parse } from './args.js';
import { processIo, keyValueLines, type CliIo } from './io.js';
import { listPorts, type ListPortsDeps, type PortEntry } from './port-list.js';

/** Help text of `katar-sms ports`. */
export const PORTS_USAGE = `Usage: katar-sms ports [--json]

Lists the serial ports of this machine with their USB vendor:product ids, manufacturer,
serial number and /dev/serial/by-id name, and marks the likely modems: ports whose USB
ids a built-in driver knows, or whose maker builds modems (Quectel, SIMCom, Huawei,
ZTE...). A /dev/katar-modem* name (from deploy/'s udev rule) is shown beside its port.
A USB modem has several ports and only one or two answer AT commands: try
katar-sms probe --modem PATH on each.

Options:
  --json        print the list as JSON
  -h, --help    this help

Exit codes: 0 listed (also when there are no ports), 2 bad command line.
`;

/** `katar-sms ports`: lists serial ports, marking likely modems. */
export async function ports(argv: string[], io: CliIo = processIo, deps?: Partial<ListPortsDeps>): Promise<number> {
  const v = parse(argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  const listing = await listPorts({ listSerial: listSerialPorts, drivers: builtinDrivers, ...deps });
  if (listing.warning) io.err(`katar-sms ports: ${listing.warning}\n`);
  if (v.json) {
    io.out(`${JSON.stringify(listing.ports, null, 2)}\n`);
    return 0;
  }
  if (listing.ports.length === 0) {
    io.out('No serial ports found. Is the modem plugged in (lsusb) and switched to modem mode (usb_modeswitch)?\n');
    return 0;
  }
  io.out(listing.ports.map(describePort).join('\n'));
  if (listing.ports.some((p) => p.likelyModem)) io.out('\nFind the AT port with: katar-sms probe --modem PATH\n');
  return 0;
}

function describePort(p: PortEntry): string {
  const usb = p.vendorId && p.productId ? `${p.vendorId}:${p.productId}` : p.vendorId;
  const extras = [p.interfaceNumber && `interface ${p.interfaceNumber}`, p.driver && `driver ${p.driver}`].filter(Boolean).join(', ');
  const head = `${p.path}${p.likelyModem ? `  likely modem (${p.likelyModem})` : ''}\n`;
  const body = keyValueLines([
    ['usb', usb && (extras ? `${usb} (${extras})` : usb)],
    ['manufacturer', p.manufacturer],
    ['product', p.product],
    ['serial', p.serialNumber],
    ['by-id', p.pnpId],
    ['location', p.locationId],
    ['stable name', p.aliases.length ? `${p.aliases.join(', ')} (katar udev rule)` : undefined],
  ]);
  return head + body.replace(/^(?=.)/gm, '  ');
}
