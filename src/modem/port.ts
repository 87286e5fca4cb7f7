import type { EventEmitter } from 'node:events';

/**
 * The one seam between the AT engine and a byte stream to a modem. A real serial port
 * (serial-port.ts, the only file importing `serialport`) and the simulated modem's
 * in-process link both implement it, so everything above runs unchanged on either.
 *
 * Events:
 * - `data` (chunk: Buffer): bytes received from the modem, in arbitrary chunks.
 * - `error` (err: Error): a transport error; the port may still be open.
 * - `close` (err?: Error): the port is gone (closed by us, or the device vanished).
 */
export interface ModemPort extends EventEmitter {
  /** Human-readable location: a device path or `sim:<name>`. */
  readonly path: string;
  /** True while bytes can be written. */
  readonly isOpen: boolean;
  /** Writes bytes; resolves once they are handed to the OS (drained). */
  write(data: Buffer | string): Promise<void>;
  /** Closes the port; resolves when closed. Safe to call twice. */
  close(): Promise<void>;
}

/** Opens a fresh port to the same device, e.g. after an unplug; used for reconnects. */
export type ModemPortFactory = () => Promise<ModemPort>;
