/**
 * The start-up dialogue of a session (docs/hardware.md#the-start-up-sequence): flush, wake,
 * echo off, numeric errors, identify, pick the driver, SIM, PDU mode, storage, new-message
 * indications, SMSC, vendor extras, registration. Optional commands may fail on any
 * vendor; only a silent or vanished modem (the phase's `cmd` throws) stops the sequence.
 */
import { KatarError, isKatarError } from '../../errors.js';
import type { AtResponse } from '../at/engine.js';
import { Backoff } from '../backoff.js';
import { FALLBACK_DRIVER, selectDriver } from '../driver.js';
import type { ModemDriver } from '../driver.js';
import { parseAti, parseIccid, parseIdentAnswer, parseImei, parseImsi } from '../identity.js';
import { parseSolicitedRegistration } from '../network-status.js';
import { chooseStorage, cnmiCandidates, parseCnmiTest, parseCpmsTest } from '../sms-settings.js';
import type { ReportRouting, StorageChoice } from '../sms-settings.js';
import { checkSim } from './sim.js';
import type { SimBlocked, SimPin } from './sim.js';
import type { PhaseTools } from './traits.js';
import type { ModemIdentity } from './types.js';

/** The phase an init runs in: the shared tools plus raw access for the first moments. */
export interface InitPhase extends PhaseTools {
  /** Raw bytes to the port (ESC flush), bypassing the engine. */
  writeRaw(data: string): Promise<void>;
  /** Runs `AT` and tells whether the modem echoed it (echo still on). */
  echoOn(): Promise<boolean>;
  /**
   * First init on a freshly opened port: flush with ESC CR. False on a re-init, where a
   * raw ESC could abort a submit the engine is typing.
   */
  readonly fresh: boolean;
}

/** What the init is asked to do, and whom it tells that the modem answered. */
export interface InitPlan {
  readonly drivers: readonly ModemDriver[];
  readonly forcedDriver: string | undefined;
  readonly statusReports: boolean;
  readonly pin: SimPin;
  /** The modem answered: the link is alive (resets the reconnect backoff). */
  modemAnswered(): void;
}

/** Everything a successful init learnt. */
export interface InitDone {
  kind: 'ready';
  identity: ModemIdentity;
  driver: ModemDriver;
  storage: StorageChoice | undefined;
  reports: ReportRouting;
  /** The modem answers AT+CEREG (LTE). */
  lte: boolean;
  cs: number | undefined;
  eps: number | undefined;
}

/**
 * Default receive-storage preference (docs/hardware.md#message-storage): ME first, because it is the
 * factory receive memory of Quectel and Huawei LTE firmware (moving EC25 to SM left +CMTI
 * pointing at ME and CMGR answering a bare OK, serialport-gsm #12), is usually larger, and
 * spares the SIM; MT (ME+SM) next; SM, which every modem has, last. Modems that store
 * elsewhere anyway (chan_dongle #31) still work: a read follows the memory each +CMTI names.
 */
export const DEFAULT_STORAGE_PREFERENCE = ['ME', 'MT', 'SM'];


/** Runs the whole sequence. */
export async function initialiseModem(phase: InitPhase, plan: InitPlan): Promise<InitDone | (SimBlocked & { identity: ModemIdentity; driver: ModemDriver })> {
  // gammu: ESC CR aborts an SMS editor a previous run left open; then let stale output drain.
  if (phase.fresh) {
    await phase.writeRaw('\x1b\r');
    await phase.sleep(100);
  }
  await wake(phase);
  plan.modemAnswered();
  await phase.tryCmd('ATE0');
  if (await phase.echoOn()) {
    // faucamp #56: ATE0 itself may be echoed twice; try once more, then live with echo.
    await phase.tryCmd('ATE0');
    if (await phase.echoOn()) phase.log.warn({}, 'modem keeps echoing after ATE0; continuing with echo on');
  }
  if (!(await phase.tryCmd('AT+CMEE=1'))) await phase.tryCmd('AT+CMEE=2');

  const identity = await identify(phase);
  const driver = selectDriver(plan.drivers, identity, plan.forcedDriver) ?? FALLBACK_DRIVER;
  if (plan.forcedDriver !== undefined && driver.name !== plan.forcedDriver) phase.log.warn({ forced: plan.forcedDriver }, 'forced driver not found; matched instead');
  phase.log.info({ ...identity, driver: driver.name }, 'modem identified');

  const sim = await checkSim(phase, plan.pin, driver);
  if (sim.kind === 'blocked') return { ...sim, identity, driver };
  await identifySubscriber(phase, identity);

  await pduMode(phase);
  const storage = await selectStorage(phase, driver);
  const reports = await selectIndications(phase, driver, plan.statusReports);
  const csca = await phase.tryCmd('AT+CSCA?');
  const smsc = csca?.lines.find((l) => /^\+CSCA/i.test(l));
  if (!smsc || /^\+CSCA\s*:\s*"?"?\s*(,|$)/i.test(smsc)) phase.log.warn({}, 'no SMSC stored on the SIM: sending fails unless each PDU carries one');
  for (const command of driver.initCommands ?? []) await phase.tryCmd(command);
  // Operator names in AT+COPS? answers alphanumeric (python-gsmmodem does the same).
  await phase.tryCmd('AT+COPS=3,0');
  await phase.tryCmd('AT+CREG=1');
  const lte = (await phase.tryCmd('AT+CEREG=1')) !== undefined;
  const cs = stat(await phase.tryCmd('AT+CREG?'), '+CREG');
  const eps = lte ? stat(await phase.tryCmd('AT+CEREG?'), '+CEREG') : undefined;
  return { kind: 'ready', identity, driver, storage, reports, lte, cs, eps };
}

function stat(res: AtResponse | undefined, prefix: string): number | undefined {
  const line = res?.lines.find((l) => l.toUpperCase().startsWith(prefix));
  return line === undefined ? undefined : parseSolicitedRegistration(line);
}

/** `AT` until the modem answers; three silent tries end the link (link.ts). */
async function wake(phase: PhaseTools): Promise<void> {
  const delays = new Backoff(500, 4_000);
  for (;;) {
    try {
      await phase.cmd('AT', { timeoutMs: 2_000 });
      return;
    } catch (err) {
      // Any final result (even ERROR) proves the modem is there (smstools3 needs_wakeup_at).
      if (!isKatarError(err, 'MODEM_TIMEOUT')) {
        if (isKatarError(err, 'MODEM_ERROR', 'CME_ERROR', 'CMS_ERROR')) return;
        throw err;
      }
      await phase.sleep(delays.next());
    }
  }
}

async function identify(phase: PhaseTools): Promise<ModemIdentity> {
  const answer = async (cmd: string): Promise<string[]> => (await phase.tryCmd(cmd))?.lines ?? [];
  const identity: ModemIdentity = {
    manufacturer: parseIdentAnswer(await answer('AT+CGMI')),
    model: parseIdentAnswer(await answer('AT+CGMM')),
    revision: parseIdentAnswer(await answer('AT+CGMR')),
    imei: parseImei(await answer('AT+CGSN')),
  };
  if (identity.manufacturer === '' || identity.model === '') {
    const ati = parseAti(await answer('ATI'));
    identity.manufacturer ||= ati.manufacturer;
    identity.model ||= ati.model;
    identity.revision ||= ati.revision;
  }
  return identity;
}

/**
 * Which SIM is in the modem: the IMSI (`AT+CIMI`, 27.007 §7.1) and the ICCID, the number
 * printed on the card (a swapped SIM is announced by it, src/gateway/modem-identities.ts). Status
 * reports are matched per modem by name and this, so a modem renumbered from ttyUSB2 to
 * ttyUSB3 keeps its sends and a swapped SIM does not inherit them. The ICCID command is
 * vendor-specific: `AT+CCID` (SIMCom SIM800, u-blox), `AT+QCCID` (Quectel), `AT^ICCID?`
 * (Huawei), `AT+CICCID` (SIMCom SIM7600), `AT+ICCID` (Telit); the first that answers wins.
 */
async function identifySubscriber(phase: PhaseTools, identity: ModemIdentity): Promise<void> {
  identity.imsi = parseImsi((await phase.tryCmd('AT+CIMI'))?.lines ?? []);
  for (const command of ['AT+CCID', 'AT+QCCID', 'AT^ICCID?', 'AT+CICCID', 'AT+ICCID']) {
    const iccid = parseIccid((await phase.tryCmd(command))?.lines ?? []);
    if (iccid !== '') {
      identity.iccid = iccid;
      return;
    }
  }
  if (identity.imsi === '') phase.log.warn({}, 'the modem tells neither IMSI nor ICCID: status reports are matched by modem name only');
}

/** `AT+CMGF=0`, retried: SIM800L refuses it until `SMS Ready` (Seeed GPRS_SIM900 #39). */
async function pduMode(phase: PhaseTools): Promise<void> {
  const delays = new Backoff(1_000, 8_000);
  for (let attempt = 0; attempt < 4; attempt++) {
    if (await phase.tryCmd('AT+CMGF=0')) return;
    await phase.sleep(delays.next());
  }
  throw new KatarError('MODEM_ERROR', 'the modem refuses PDU mode (AT+CMGF=0)', { command: 'AT+CMGF=0' });
}

/** `AT+CPMS=?`, then the same memory for mem1/mem2/mem3; fewer parameters if refused. */
async function selectStorage(phase: PhaseTools, driver: ModemDriver): Promise<StorageChoice | undefined> {
  const test = await phase.tryCmd('AT+CPMS=?');
  const line = test?.lines.find((l) => /^\+CPMS/i.test(l));
  const choice = line === undefined ? undefined : chooseStorage(parseCpmsTest(line), driver.quirks.storagePreference ?? DEFAULT_STORAGE_PREFERENCE);
  if (!choice) {
    phase.log.warn({ answer: line }, 'no usable message storage: receiving is disabled');
    return undefined;
  }
  // smstools3: "Some modem do not accept three values ... try only one value".
  for (let n = choice.params.length; n >= 1; n--) {
    const args = choice.params.slice(0, n).map((m) => `"${m}"`).join(',');
    if (await phase.tryCmd(`AT+CPMS=${args}`)) return { ...choice, params: choice.params.slice(0, n) };
  }
  phase.log.warn({ choice }, 'AT+CPMS refused: using the modem default storage');
  return undefined;
}

/** `AT+CNMI=?`, then the candidates in order until one is accepted. */
async function selectIndications(phase: PhaseTools, driver: ModemDriver, statusReports: boolean): Promise<ReportRouting> {
  const test = await phase.tryCmd('AT+CNMI=?');
  const line = test?.lines.find((l) => /^\+CNMI/i.test(l));
  const ranges = line === undefined ? undefined : parseCnmiTest(line);
  const candidates = cnmiCandidates(ranges, {
    statusReports,
    preferDirectReports: driver.quirks.cdsiNamesWrongStorage,
    rejectsDirectReports: driver.quirks.rejectsDirectStatusReports,
  });
  for (const c of candidates) {
    if (await phase.tryCmd(`AT+CNMI=${c.args}`)) {
      phase.log.info({ cnmi: c.args }, 'new-message indications set');
      return c.reports;
    }
  }
  phase.log.warn({ answer: line }, 'no AT+CNMI setting accepted: new messages are found by listing only');
  return 'none';
}
