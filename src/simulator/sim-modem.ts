import { EventEmitter } from 'node:events';
import { KatarError } from '../errors.js';
import type { ModemPort } from '../modem/port.js';
import { defaultBehaviours } from './behaviours/index.js';
import { isRegistered, registrationUrcs } from './behaviours/network.js';
import { frameUrc } from './framing.js';
import { receiveIncoming, scheduleStatusReport } from './inbox.js';
import { AtInterpreter } from './interpreter.js';
import { BehaviourRegistry } from './behaviour-registry.js';
import { bootLines, simReadyLines } from './boot.js';
import { ModemContext } from './context.js';
import type { Personality } from './personalities/personality.js';
import { groupSent } from './sent-messages.js';
import { defaultSettings, resolveOptions, type ResolvedOptions, type SimCard } from './settings.js';
import { SimLink, seededRandom, splitRandomly } from './sim-link.js';
import { MessageStorage, type StoredMessage } from './storage.js';
import type {
  IncomingSms,
  NetworkState,
  SentMessage,
  SentSms,
  SimBehaviour,
  SimContext,
  SimModemOptions,
  SimQuirks,
  SimSettings,
  SimStatus,
} from './types.js';

/** Counters for assertions. */
export interface SimCounters {
  commands: number;
  smsSent: number;
  smsReceived: number;
  incomingDropped: number;
  statusReports: number;
  garbage: number;
  reboots: number;
  unplugs: number;
}

/**
 * A simulated GSM/LTE modem: the device side of the port seam. `link()` gives the
 * gateway a ModemPort; behaviours (small objects a test can override) answer AT commands; controls inject
 * messages and faults; `sent`, `commands` and `counters` record what happened.
 *
 * Events: 'command' (line), 'sms-sent' (SentSms), 'sms-delivered-to-inbox'
 * ({mem,index,from,text}), 'sms-routed', 'status-report', 'output' (text), 'reboot', 'replug'.
 */
export class SimulatedModem extends EventEmitter {
  readonly options: ResolvedOptions;
  readonly personality: Personality;
  readonly quirks: SimQuirks;
  readonly simCard: SimCard;
  readonly storage: MessageStorage;
  /** Every SMS-SUBMIT accepted, one entry per part. */
  readonly sent: SentSms[] = [];
  /** Every AT command line received, in order. */
  readonly commands: string[] = [];
  readonly counters: SimCounters = { commands: 0, smsSent: 0, smsReceived: 0, incomingDropped: 0, statusReports: 0, garbage: 0, reboots: 0, unplugs: 0 };
  /** Volatile settings (echo, CMEE, CNMI...); replaced on reboot. */
  settings: SimSettings;
  network: NetworkState;
  rssi: number;
  readonly ctx: SimContext;

  private readonly interpreter: AtInterpreter;
  private readonly behaviours: BehaviourRegistry;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly random: () => number;
  /** A PRNG of its own for timings, so that drawing a delay never changes the output chunking. */
  private readonly timingRandom: () => number;
  private current: SimLink | undefined;
  private epoch = 0;
  private mr = 0;
  private silent = false;
  private plugged = true;
  private bootPending: boolean;
  private urcCount = 0;
  private periodic: ReturnType<typeof setTimeout> | undefined;

  constructor(opts: SimModemOptions = {}) {
    super();
    const r = resolveOptions(opts);
    this.options = r.options;
    this.personality = r.personality;
    this.quirks = r.quirks;
    this.simCard = r.card;
    this.storage = new MessageStorage((m) => this.personality.capacities[m] ?? this.options.storageCapacity, this.options.indexBase);
    this.settings = defaultSettings(this.personality);
    this.network = this.options.network;
    this.rssi = this.options.rssi;
    this.random = seededRandom(this.options.seed);
    this.timingRandom = seededRandom(this.options.seed + 1);
    this.bootPending = this.options.bootOnFirstLink;
    this.behaviours = new BehaviourRegistry(this.personality, defaultBehaviours());
    this.ctx = new ModemContext(this, (line) => this.urc(line), (ms, fn) => this.schedule(ms, fn));
    this.interpreter = new AtInterpreter({
      ctx: this.ctx,
      silent: () => this.silent,
      recordCommand: (line) => {
        this.commands.push(line);
        this.counters.commands++;
        this.emit('command', line);
      },
      dispatch: (cmd) => this.behaviours.dispatch(cmd, this.ctx),
      output: (text) => this.output(text),
    });
  }

  /** Opens the gateway side of an in-process link; replaces (closes) a previous one. */
  link(): ModemPort {
    if (!this.plugged) throw new KatarError('MODEM_CLOSED', `sim:${this.options.name} is unplugged`);
    void this.current?.close();
    const link = new SimLink(`sim:${this.options.name}`, (buf) => this.contain(() => this.interpreter.receive(buf)), (l) => {
      if (this.current === l) this.current = undefined;
    });
    this.current = link;
    if (this.bootPending) {
      this.bootPending = false;
      this.schedule(0, () => this.emitBootUrcs());
    }
    this.startPeriodic();
    return link;
  }

  // ---- controls -------------------------------------------------------------------

  /** A message arrives from the network (each part stored and announced per CNMI). */
  injectIncoming(sms: IncomingSms): StoredMessage[] {
    return receiveIncoming(this.ctx, sms);
  }

  /** The USB device vanishes: the link closes with an error, link() fails until replug(). */
  unplug(): void {
    this.plugged = false;
    this.counters.unplugs++;
    this.powerCycle();
    this.current?.sever(new KatarError('MODEM_CLOSED', `sim:${this.options.name} was unplugged`));
    this.current = undefined;
  }

  /** The device is back, freshly booted; its boot URCs greet the next link(). */
  replug(): void {
    this.plugged = true;
    this.bootPending = true;
    this.emit('replug');
  }

  /** Brown-out / reset: in-flight work is lost, settings reset, boot URCs on the same link. */
  reboot(): void {
    this.powerCycle();
    this.counters.reboots++;
    this.emit('reboot');
    this.schedule(0, () => this.emitBootUrcs());
  }

  /** A hung modem: reads input (still recorded), answers nothing, sends no URCs. */
  setSilent(silent: boolean): void {
    this.silent = silent;
  }

  /** Line noise on the wire. */
  injectGarbage(bytes: Buffer | string = Buffer.from([0x00, 0xff, 0xfe, 0x7e, 0x3f, 0x0d, 0x0a, 0x81, 0x0d, 0x0a])): void {
    this.counters.garbage++;
    this.output(Buffer.from(bytes).toString('latin1'), true);
  }

  /** Changes registration; enabled CREG/CGREG/CEREG report it unsolicited. */
  setNetwork(state: NetworkState): void {
    this.network = state;
    for (const line of registrationUrcs(this.ctx)) this.urc(line);
  }

  /** SIM removed or failed (`+CME ERROR: 10` / `13`), or healthy again. */
  setSimFault(fault: SimCard['fault']): void {
    this.simCard.fault = fault;
  }

  /** Fills the receive memory (or `mem`) with read filler messages. */
  fillStorage(mem = this.settings.cpms[2]): void {
    const m = this.storage.memory(mem);
    const cnmi = this.settings.cnmi;
    this.settings.cnmi = [0, 1, 0, 0, 0]; // keep in storage, announce nothing
    const cpms = this.settings.cpms;
    this.settings.cpms = [cpms[0], cpms[1], mem];
    while (!m.full) for (const s of receiveIncoming(this.ctx, { from: '+15550000000', text: 'filler' })) s.stat = 1;
    this.settings.cnmi = cnmi;
    this.settings.cpms = cpms;
  }

  /**
   * The network sends a status report for reference `mr` to `to` now (or after `delayMs`),
   * routed per AT+CNMI like the automatic ones: for reports of messages sent before a
   * restart, or with a TP-ST of the test's choosing.
   */
  injectStatusReport(report: { mr: number; to: string; status: number; delayMs?: number }): void {
    const sent = { mr: report.mr, to: report.to, text: '', statusReportRequested: true, at: this.options.clock() };
    scheduleStatusReport(this.ctx, sent, report.status, report.delayMs ?? 0);
  }

  /** Emits a URC now. */
  injectUrc(line: string): void {
    this.urc(line);
  }

  /** Slips a URC into the next response (between its information lines and final result). */
  injectUrcInNextResponse(line: string): void {
    this.interpreter.midUrcs.push(line);
  }

  /** Adds a behaviour checked before every other one (the newest first). */
  use(behaviour: SimBehaviour): this {
    this.behaviours.use(behaviour);
    return this;
  }

  /** Replaces the handler of the behaviour called `name`; return undefined to fall through. */
  override(name: string, handle: SimBehaviour['handle']): this {
    this.behaviours.override(name, handle);
    return this;
  }

  /** `sent` grouped into whole messages (concatenated parts reassembled). */
  sentMessages(): SentMessage[] {
    return groupSent(this.sent);
  }

  /** Stops every timer (periodic URCs, pending latencies); the modem stays usable. */
  dispose(): void {
    this.epoch++;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.periodic) clearTimeout(this.periodic);
    this.periodic = undefined;
  }

  // ---- used by behaviours -----------------------------------------------------------

  /** Current SIM state. */
  simStatus(): SimStatus {
    const card = this.simCard;
    if (card.fault !== 'none') return card.fault;
    if (card.pin === undefined) return 'ready';
    if (card.pukRequired) return 'puk';
    if (!this.settings.simUnlocked) return 'pin';
    return this.settings.simBusy ? 'busy' : 'ready';
  }

  /** Correct PIN/PUK: busy for `simBusyMs`, then ready with the personality's URCs. */
  unlockSim(): void {
    this.settings.simUnlocked = true;
    this.settings.simBusy = this.options.simBusyMs > 0;
    this.schedule(this.options.simBusyMs, () => {
      this.settings.simBusy = false;
      for (const line of simReadyLines(this.personality)) this.urc(line);
    });
  }

  /** ATZ / AT&F: power-on profile, SIM unlock state kept. */
  restoreProfile(): void {
    const { simUnlocked, simBusy } = this.settings;
    this.settings = { ...defaultSettings(this.personality), simUnlocked, simBusy };
  }

  /** Network as the radio sees it (AT+CFUN=0/4 switch it off). */
  effectiveNetwork(): NetworkState {
    return this.settings.cfun === 1 ? this.network : 'none';
  }

  /** Next TP-MR from the modem's 0-255 counter. */
  nextMessageReference(): number {
    const mr = this.mr;
    this.mr = (this.mr + 1) & 0xff;
    return mr;
  }

  /** Records an accepted submit and schedules its status report. */
  recordSent(sms: SentSms): void {
    this.sent.push(sms);
    this.counters.smsSent++;
    this.emit('sms-sent', sms);
    scheduleStatusReport(this.ctx, sms);
  }

  /** A number in [0, 1) from the modem's seeded timing PRNG (report delays). */
  draw(): number {
    return this.timingRandom();
  }

  /** True while registered (home or roaming). */
  isRegistered(): boolean {
    return isRegistered(this.effectiveNetwork());
  }

  // ---- internals --------------------------------------------------------------------

  private powerCycle(): void {
    this.epoch++;
    // TP-MR lives in RAM on many modems: after a power cycle it counts from 0 again, so
    // references of messages sent before the cycle are handed out a second time.
    this.mr = 0;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.interpreter.reset();
    this.settings = defaultSettings(this.personality);
  }

  private emitBootUrcs(): void {
    for (const line of bootLines(this.personality, this.simStatus())) this.urc(line);
  }

  private startPeriodic(): void {
    const p = this.personality.periodicUrc;
    if (!p || !this.options.periodicUrcs || this.periodic) return;
    const tick = (): void => {
      this.periodic = setTimeout(tick, p.everyMs);
      this.periodic.unref?.();
      if (this.settings.curc && this.isRegistered()) this.urc(p.line(this.rssi));
    };
    this.periodic = setTimeout(tick, p.everyMs);
    this.periodic.unref?.();
  }

  private schedule(ms: number, fn: () => void): void {
    const epoch = this.epoch;
    const run = (): void => {
      if (epoch === this.epoch) this.contain(fn);
    };
    if (ms <= 0) return queueMicrotask(run);
    const t = setTimeout(() => {
      this.timers.delete(t);
      run();
    }, ms);
    this.timers.add(t);
  }

  /**
   * Runs a piece of the simulated modem so that its bug never takes the gateway down:
   * the simulator shares the gateway's process (`npm start`), so an exception here would
   * otherwise kill it on every start. The fault is announced as `fault`, and the host
   * sees ERROR, as a confused real modem would answer.
   */
  private contain(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      // Whatever command was running is abandoned, as a modem that reset its parser would.
      this.interpreter.reset();
      this.emit('fault', err as Error);
      this.output('\r\nERROR\r\n');
    }
  }

  private urc(line: string): void {
    const doubleCr = this.personality.doubleCrUrcs && this.urcCount++ % 2 === 1;
    this.output(frameUrc([line], doubleCr));
  }

  private output(text: string, force = false): void {
    if ((this.silent && !force) || !this.current?.isOpen) return;
    this.emit('output', text);
    const buf = Buffer.from(text, 'latin1');
    const max = this.options.splitMax;
    this.current.deliver(max > 0 ? splitRandomly(buf, max, this.random) : [buf]);
  }
}
