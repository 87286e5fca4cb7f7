import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HealingOptions, RecoveryStatus } from '../../src/modem/session/healing-ladder.js';
import { HealingLadder } from '../../src/modem/session/healing-ladder.js';
import { readAuthorized, rebindUsb } from '../../src/modem/usb-rebind.js';
import { hang } from '../../src/simulator/index.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { fakeTree } from './fake-sysfs.js';
import { rig, rigLifecycle, sent, startUntil, until } from './session-harness.js';
import type { Rig } from './session-harness.js';

const MINUTE = 60_000;

/** Real file-system work in progress (the re-bind on a fake sysfs tree): fake time stands still meanwhile. */
let ioPending = 0;

/** Like `until`, but while `ioPending` only real turns of the event loop pass (and 1 ms of fake time). */
async function untilWithIo(done: () => boolean, maxMs: number, stepMs = 50): Promise<void> {
  for (let t = 0; t <= maxMs; ) {
    if (done()) return;
    const step = ioPending > 0 ? 1 : stepMs;
    await vi.advanceTimersByTimeAsync(step);
    await new Promise((resolve) => setImmediate(resolve));
    t += step;
  }
  throw new Error(`condition not met within ${maxMs} ms of fake time`);
}

/** A rig whose session heals, recording every step it announces. */
function healingRig(healing: HealingOptions = {}): Rig & { steps: RecoveryStatus[] } {
  const r = rig({ periodicUrcs: false }, { healthIntervalMs: 10_000, healing }) as Rig & { steps: RecoveryStatus[] };
  r.steps = [];
  r.session.on('recovery', (s) => r.steps.push(s));
  return r;
}

describe('the healing ladder (pure order)', () => {
  it('reopen, reboot, usb-rebind, failed, then reopen again; a usable modem starts a new episode', () => {
    const l = new HealingLadder({ initialDelayMs: 60_000, maxDelayMs: 600_000 });
    expect([l.next(), l.next(), l.next(), l.next(), l.next()]).toEqual([
      { step: 'reopen', round: 1 },
      { step: 'reboot', round: 1 },
      { step: 'usb-rebind', round: 1 },
      { step: 'failed', round: 1 },
      { step: 'reopen', round: 2 },
    ]);
    expect([1, 2, 3, 4, 5, 6].map(() => l.failedDelay())).toEqual([60_000, 120_000, 240_000, 480_000, 600_000, 600_000]);
    l.healthy();
    expect(l.next()).toEqual({ step: 'reopen', round: 1 });
    expect(l.failedDelay()).toBe(60_000);
  });
});

describe('a session that heals a modem that stops answering', () => {
  let r: (Rig & { steps: RecoveryStatus[] }) | undefined;
  let tmp: Awaited<ReturnType<typeof makeTmpDir>> | undefined;
  rigLifecycle(() => r, () => (r = undefined));
  afterEach(async () => {
    await tmp?.cleanup();
    tmp = undefined;
  });

  it('a hang that reopening does not cure: AT+CFUN=1,1 brings the modem back, each step announced', async () => {
    r = healingRig();
    await startUntil(r, 'ready');
    hang(r.sim);
    await until(() => r!.steps.length === 1, 2 * MINUTE);
    expect(r.steps[0]).toMatchObject({ step: 'reopen', round: 1 });
    await until(() => r!.steps.length === 2, 2 * MINUTE);
    expect(r.steps[1]).toMatchObject({ step: 'reboot', round: 1 });
    expect(sent(r, 'AT+CFUN=1,1')).toHaveLength(1);
    await until(() => r!.session.state === 'ready', 2 * MINUTE);
    expect(r.session.recovery).toBeUndefined();
    expect(r.sim.counters.reboots).toBe(1);
    expect(r.session.recoveries).toEqual({ reopen: 1, reboot: 1, 'usb-rebind': 0, failed: 0 });
    // A later hang is a new episode: it starts at step 1 again.
    hang(r.sim);
    await until(() => r!.steps.length === 3, 2 * MINUTE);
    expect(r.steps[2]).toMatchObject({ step: 'reopen', round: 1 });
  });

  it('a modem that never comes back: re-bind attempted (on a fake sysfs tree), then failed with a doubling rest; no busy loop over an hour', async () => {
    vi.useRealTimers();
    tmp = await makeTmpDir();
    const tree = await fakeTree(tmp.dir);
    // setImmediate stays real: untilWithIo lets the file system answer between fake-time steps.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const port = join(tree.dev, 'ttyUSB2');
    const rebinds: Array<string | undefined> = [];
    r = healingRig({
      usbRebind: async () => {
        ioPending++;
        try {
          const outcome = await rebindUsb(port, { sysRoot: tree.sys, pauseMs: 1 });
          rebinds.push(await readAuthorized(port, tree.sys));
          return outcome;
        } finally {
          ioPending--;
        }
      },
    });
    await startUntil(r, 'ready');
    hang(r.sim, 'never');
    await untilWithIo(() => r!.session.state === 'failed', 5 * MINUTE);
    expect(r.steps.map((s) => s.step)).toEqual(['reopen', 'reboot', 'usb-rebind', 'failed']);
    expect(rebinds).toEqual(['1']);
    expect(r.steps[2]).toMatchObject({ detail: 'USB re-bind (authorized 0/1 on USB device 1-1.3)' });
    expect(r.steps[3]).toMatchObject({ detail: 'no answer after reopen, reboot and USB re-bind; trying again in 60 s' });
    expect(r.session.state).toBe('failed');
    const commands = r.sim.commands.length;
    const opens = r.opens;
    const end = Date.now() + 60 * MINUTE;
    await untilWithIo(() => Date.now() >= end, 61 * MINUTE, 200);
    // Rests of 1, 2, 4, 8, 10, 10 ... minutes: at most eight rounds in the hour.
    const rounds = r.steps.filter((s) => s.step === 'failed').length;
    expect(rounds).toBeGreaterThanOrEqual(5);
    expect(rounds).toBeLessThanOrEqual(9);
    const rests = r.steps.filter((s) => s.step === 'failed').map((s) => Number(/again in (\d+) s/.exec(s.detail)?.[1]));
    expect(rests).toEqual([60, 120, 240, 480, 600, 600, 600, 600, 600].slice(0, rounds));
    // The hour may end between a round's reboot or re-bind and its rest.
    expect(rebinds.length - rounds).toBeGreaterThanOrEqual(0);
    expect(rebinds.length - rounds).toBeLessThanOrEqual(1);
    expect(sent(r, 'AT+CFUN=1,1').length - rounds).toBeGreaterThanOrEqual(0);
    expect(sent(r, 'AT+CFUN=1,1').length - rounds).toBeLessThanOrEqual(1);
    expect(r.opens - opens).toBeLessThan(rounds * 5);
    expect(r.sim.commands.length - commands).toBeLessThan(rounds * 20);
    expect(r.session.recoveries).toMatchObject({ failed: rounds, 'usb-rebind': rebinds.length });
  });

  it('skips the USB step where it cannot be done, and recovers when the modem answers during the rest', async () => {
    r = healingRig({ usbRebind: async () => ({ done: false, reason: 'not a USB device' }) });
    await startUntil(r, 'ready');
    hang(r.sim, 'never');
    await until(() => r!.session.state === 'failed', 5 * MINUTE);
    expect(r.steps.map((s) => s.step)).toEqual(['reopen', 'reboot', 'failed']);
    expect(r.steps[2]!.detail).toBe('no answer after reopen, reboot (no USB re-bind here); trying again in 60 s');
    r.sim.setSilent(false);
    await until(() => r!.session.state === 'ready', 3 * MINUTE);
    expect(r.states.slice(-3)).toEqual(['connecting', 'initialising', 'ready']);
  });

  it('without healing options a silent modem is only reopened (katar-sms probe never reboots a modem)', async () => {
    r = rig({ periodicUrcs: false }, { healthIntervalMs: 10_000 }) as Rig & { steps: RecoveryStatus[] };
    await startUntil(r, 'ready');
    hang(r.sim);
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(sent(r, 'AT+CFUN=1,1')).toHaveLength(0);
    expect(r.session.state).not.toBe('failed');
  });
});
