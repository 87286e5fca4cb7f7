/**
 * The real serial port behind the ModemPort seam. The only file that imports `serialport`;
 * everything above it runs unchanged on the simulator's in-process port.
 */
import { EventEmitter } from 'node:events';
import type { SerialPort } from 'serialport';
import { KatarError } from '../errors.js';
import type { ModemPort } from './port.js';

/** Where and how to open the device. */
export interface OpenSerialPortOptions {
  /** Device path, e.g. `/dev/ttyUSB2` or a stable `/dev/serial/by-id/...` link. */
  path: string;
  /** Default 115200; USB modems ignore it, UART modules (SIM800) auto-baud or need a match. */
  baudRate?: number;
  /** Test seam: a serialport binding such as `MockBinding` from `@serialport/binding-mock`. */
  binding?: unknown;
}

/**
 * serialport and its native binding are loaded on the first open or listing, not at
 * start: a gateway on the simulated modem (and every other command) never needs them,
 * and they cost about 14 MB of memory.
 */
async function serialPortClass(): Promise<typeof SerialPort> {
  return (await import('serialport')).SerialPort;
}

/** Opens the device; rejects with a KatarError naming the path and a likely fix. */
export async function openSerialPort(opts: OpenSerialPortOptions): Promise<ModemPort> {
  const settings = {
    path: opts.path,
    baudRate: opts.baudRate ?? 115_200,
    autoOpen: false,
    ...(opts.binding === undefined ? {} : { binding: opts.binding }),
  } as ConstructorParameters<typeof SerialPort>[0];
  let sp: SerialPort;
  try {
    sp = new (await serialPortClass())(settings);
  } catch (err) {
    throw openError(opts.path, err);
  }
  await new Promise<void>((resolve, reject) => {
    sp.open((err) => (err ? reject(openError(opts.path, err)) : resolve()));
  });
  return new SerialModemPort(sp);
}

/**
 * bindings-cpp reports open failures as plain Errors whose text carries strerror()
 * ("Error: Permission denied, cannot open /dev/ttyUSB0", "Cannot lock port") and no
 * `code`, so the errno is recovered from either.
 */
function openError(path: string, err: unknown): KatarError {
  const e = err as { code?: unknown; message?: unknown };
  const text = `${typeof e?.code === 'string' ? e.code : ''} ${typeof e?.message === 'string' ? e.message : String(err)}`;
  const details = { path, reason: text.trim() };
  if (/ENOENT|No such file|does not exist|ENXIO|No such device/i.test(text)) {
    return new KatarError('MODEM_CLOSED', `${path}: no such device (is the modem plugged in and switched to modem mode?)`, details, { cause: err });
  }
  if (/EACCES|EPERM|Permission denied/i.test(text)) {
    return new KatarError('MODEM_ERROR', `${path}: permission denied (add the service user to the 'dialout' group)`, details, { cause: err });
  }
  if (/EBUSY|Resource busy|Cannot lock|locked|temporarily unavailable/i.test(text)) {
    return new KatarError('MODEM_ERROR', `${path}: in use by another process (ModemManager, another gateway?)`, details, { cause: err });
  }
  return new KatarError('MODEM_ERROR', `${path}: cannot open serial port`, details, { cause: err });
}

/** ModemPort over an open `SerialPort`. */
class SerialModemPort extends EventEmitter implements ModemPort {
  constructor(private readonly sp: SerialPort) {
    super();
    sp.on('data', (chunk: Buffer) => this.emit('data', chunk));
    sp.on('error', (err: Error) => {
      // An 'error' without listeners would throw and take the service down.
      if (this.listenerCount('error') > 0) this.emit('error', err);
    });
    sp.on('close', (err: Error | null) => {
      // serialport passes a DisconnectedError when the device vanished (USB unplug).
      this.emit(
        'close',
        err ? new KatarError('MODEM_CLOSED', `${this.path}: device disconnected`, { path: this.path }, { cause: err }) : undefined,
      );
    });
  }

  get path(): string {
    return this.sp.path;
  }

  get isOpen(): boolean {
    return this.sp.isOpen;
  }

  write(data: Buffer | string): Promise<void> {
    if (!this.sp.isOpen) {
      return Promise.reject(new KatarError('MODEM_CLOSED', `${this.path}: port is not open`, { path: this.path }));
    }
    return new Promise((resolve, reject) => {
      const fail = (err: Error): void =>
        reject(new KatarError('MODEM_ERROR', `${this.path}: write failed`, { path: this.path }, { cause: err }));
      this.sp.write(data, (err) => {
        if (err) fail(err);
      });
      this.sp.drain((err) => (err ? fail(err) : resolve()));
    });
  }

  close(): Promise<void> {
    if (!this.sp.isOpen) return Promise.resolve();
    return new Promise((resolve) => {
      // Closing a port that vanished meanwhile fails; it is closed either way.
      this.sp.close(() => resolve());
    });
  }
}

/** One serial port as the operating system lists it (hex USB ids in lower case). */
export interface SerialPortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  /** On Linux the `/dev/serial/by-id/` name. */
  pnpId?: string;
  locationId?: string;
  vendorId?: string;
  productId?: string;
}

/**
 * Lists serial ports through serialport. On Linux it runs `udevadm info -e` and rejects
 * (ENOENT) where udevadm is missing, e.g. in containers: callers fall back to sysfs.
 */
export async function listSerialPorts(): Promise<SerialPortInfo[]> {
  const ports = await (await serialPortClass()).list();
  return ports.map((p) => {
    const info: SerialPortInfo = { path: p.path };
    if (p.manufacturer) info.manufacturer = p.manufacturer;
    if (p.serialNumber) info.serialNumber = p.serialNumber;
    if (p.pnpId) info.pnpId = p.pnpId;
    if (p.locationId) info.locationId = p.locationId;
    if (p.vendorId) info.vendorId = p.vendorId.toLowerCase();
    if (p.productId) info.productId = p.productId.toLowerCase();
    return info;
  });
}
