/**
 * The serialport adapter against @serialport/binding-mock. The mock has no write hook and
 * no real tty semantics, so a pseudo-terminal end-to-end test comes later.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @serialport/binding-mock's package "exports" carry no types under NodeNext; serialport
// re-exposes the same MockBinding, typed, as SerialPortMock.binding.
import { SerialPortMock } from 'serialport';
import { KatarError } from '../../src/errors.js';
import { AtEngine } from '../../src/modem/at/engine.js';
import { openSerialPort } from '../../src/modem/serial-port.js';

const MockBinding = SerialPortMock.binding;
type MockPortBinding = Awaited<ReturnType<typeof MockBinding.open>>;

const PATH = '/dev/ttyMOCK0';

/** MockBinding that hands the test the opened port binding (to inject data and faults). */
function capturingBinding(): { binding: typeof MockBinding; opened: () => MockPortBinding } {
  let last: MockPortBinding | undefined;
  const binding = {
    ...MockBinding,
    async open(options: Parameters<typeof MockBinding.open>[0]) {
      last = await MockBinding.open(options);
      return last;
    },
  } as typeof MockBinding;
  return {
    binding,
    opened: () => {
      if (!last) throw new Error('not opened');
      return last;
    },
  };
}

function failingBinding(message: string, code?: string): typeof MockBinding {
  return {
    ...MockBinding,
    async open() {
      throw Object.assign(new Error(message), code ? { code } : {});
    },
  } as unknown as typeof MockBinding;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

beforeEach(() => {
  MockBinding.createPort(PATH, { record: true });
});

afterEach(() => {
  MockBinding.reset();
});

describe('openSerialPort', () => {
  it('opens, writes (drained), receives and closes', async () => {
    const { binding, opened } = capturingBinding();
    const port = await openSerialPort({ path: PATH, binding });
    expect(port.path).toBe(PATH);
    expect(port.isOpen).toBe(true);
    expect(opened().openOptions.baudRate).toBe(115_200);

    await port.write('AT\r');
    expect(opened().recording.toString('latin1')).toBe('AT\r');

    const got: Buffer[] = [];
    port.on('data', (c: Buffer) => got.push(c));
    opened().emitData('\r\nOK\r\n');
    await tick();
    await tick();
    expect(Buffer.concat(got).toString()).toBe('\r\nOK\r\n');

    const closes: unknown[] = [];
    port.on('close', (e: unknown) => closes.push(e));
    await port.close();
    expect(port.isOpen).toBe(false);
    expect(closes).toEqual([undefined]);
    await port.close();
    await expect(port.write('AT\r')).rejects.toMatchObject({ code: 'MODEM_CLOSED' });
  });

  it('honours baudRate', async () => {
    const { binding, opened } = capturingBinding();
    await openSerialPort({ path: PATH, baudRate: 9600, binding });
    expect(opened().openOptions.baudRate).toBe(9600);
  });

  it('an unplug closes with a MODEM_CLOSED error naming the path', async () => {
    const { binding, opened } = capturingBinding();
    const port = await openSerialPort({ path: PATH, binding });
    port.on('data', () => {});
    const closed = new Promise<unknown>((r) => port.once('close', r));
    await tick();
    // A failing read without `canceled` is what bindings-cpp reports when the tty vanishes.
    (opened() as unknown as { pendingRead: ((e: Error) => void) | null }).pendingRead?.(new Error('ENXIO: No such device'));
    const err = await closed;
    expect(err).toBeInstanceOf(KatarError);
    expect(err).toMatchObject({ code: 'MODEM_CLOSED', details: { path: PATH } });
  });

  it('drives the AT engine end to end', async () => {
    const { binding, opened } = capturingBinding();
    const engine = new AtEngine(await openSerialPort({ path: PATH, binding }));
    const res = engine.send('AT+CSQ');
    for (let i = 0; i < 5 && opened().recording.length === 0; i++) await tick();
    expect(opened().recording.toString()).toBe('AT+CSQ\r');
    opened().emitData('AT+CSQ\r\r\n+CSQ: 18,99\r\n\r\nOK\r\n');
    expect(await res).toEqual({ lines: ['+CSQ: 18,99'], final: 'OK' });
    await engine.close();
  });

  it.each([
    ['Error: No such file or directory, cannot open /dev/ttyUSB9', undefined, 'MODEM_CLOSED', /no such device/],
    ['open failed', 'ENOENT', 'MODEM_CLOSED', /no such device/],
    ['Error: Permission denied, cannot open /dev/ttyUSB9', undefined, 'MODEM_ERROR', /dialout/],
    ['Error Resource temporarily unavailable Cannot lock port', undefined, 'MODEM_ERROR', /in use/],
    ['busy', 'EBUSY', 'MODEM_ERROR', /in use/],
    ['something odd', undefined, 'MODEM_ERROR', /cannot open/],
  ])('open failure %s (%s) -> %s', async (message, code, katarCode, hint) => {
    const err = await openSerialPort({ path: '/dev/ttyUSB9', binding: failingBinding(message, code) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KatarError);
    const k = err as KatarError;
    expect(k.code).toBe(katarCode);
    expect(k.message).toContain('/dev/ttyUSB9');
    expect(k.message).toMatch(hint);
    expect(k.details?.path).toBe('/dev/ttyUSB9');
  });

  it('a missing mock port and a locked port map to clean errors', async () => {
    const missing = await openSerialPort({ path: '/dev/nope', binding: MockBinding }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'MODEM_CLOSED' });
    await openSerialPort({ path: PATH, binding: MockBinding });
    const locked = await openSerialPort({ path: PATH, binding: MockBinding }).catch((e: unknown) => e);
    expect(locked).toMatchObject({ code: 'MODEM_ERROR' });
    expect((locked as KatarError).message).toMatch(/in use/);
  });
});
