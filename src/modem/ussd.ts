/**
 * USSD on one modem (TS 27.007 §7.15): `AT+CUSD=1,"<code>",15` starts a request (or
 * answers a menu), the modem says OK, and the network's answer arrives seconds later as
 * a `+CUSD:` URC; `AT+CUSD=2` ends a session. One request at a time per modem. The
 * commands go through the session's one command channel, queued behind the SMS work: a
 * USSD never cuts into a submit, and SMS keep flowing while the network thinks.
 */
import { KatarError, isKatarError } from '../errors.js';
import { errorText } from './error-text.js';
import type { SessionLogger } from './session/traits.js';
import type { ModemSessionApi, ModemState } from './session/types.js';
import { decodeUssdText, encodeUssdRequest, ussdSessionOpen, ussdStatusText, type CusdLine, type UssdGsm7Form } from './ussd-codec.js';

/** The network's answer to a USSD request. */
export interface UssdResult {
  /** `<m>` of +CUSD: 0 done, 1 a menu waits for a reply, 2 ended by the network, 3-5 failures. */
  status: number;
  statusText: string;
  /** The decoded text ('' when the network sent none). */
  text: string;
  /** `open` while a menu waits for `reply()`. */
  session: 'open' | 'closed';
  dcs?: number;
}

/** Per-request settings. */
export interface UssdRequestOptions {
  /** How long the network may take to answer. Default 30 000 ms (networks answer in 2-10 s). */
  timeoutMs?: number;
}

/** What the client uses of a session. */
export type UssdSession = Pick<ModemSessionApi, 'name' | 'state' | 'quirks' | 'control' | 'on' | 'off'>;

/** Default wait for the network's answer. */
export const USSD_TIMEOUT_MS = 30_000;

/** A menu left unanswered this long is cancelled (networks drop it after 30-180 s anyway). */
const MENU_IDLE_MS = 180_000;

/** A menu reply: 1-182 characters, none of them a quote or a control character (CR, Ctrl-Z, ESC would end the command). */
function validReply(text: string): boolean {
  return text.length >= 1 && text.length <= 182 && [...text].every((ch) => ch !== '"' && ch.charCodeAt(0) >= 0x20);
}

interface Pending {
  resolve(r: UssdResult): void;
  reject(err: KatarError): void;
}

/** One modem's USSD: request, reply to a menu, cancel. */
export class UssdClient {
  private pending: Pending | undefined;
  private busy = false;
  private menuOpen = false;
  private menuTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly detach: Array<() => void> = [];

  constructor(
    private readonly session: UssdSession,
    private readonly log: SessionLogger,
  ) {
    const onUssd = (line: CusdLine): void => this.onCusd(line);
    const onState = (state: ModemState): void => this.onState(state);
    session.on('ussd', onUssd);
    session.on('state', onState);
    this.detach.push(() => session.off('ussd', onUssd), () => session.off('state', onState));
  }

  /** True while a request waits for its answer or a menu waits for a reply. */
  get sessionOpen(): boolean {
    return this.busy || this.menuOpen;
  }

  /** Whether the modem can take a USSD request now. */
  get ready(): boolean {
    return this.session.state === 'ready';
  }

  /** Sends a USSD code (`*100#`); USSD_BUSY while another session is open. */
  async request(code: string, opts: UssdRequestOptions = {}): Promise<UssdResult> {
    if (!/^[0-9*#+]{1,182}$/.test(code)) throw new KatarError('VALIDATION', 'a USSD code is 1 to 182 of 0-9 * # +, such as *100#', { field: 'code' });
    if (this.sessionOpen) throw this.busyError();
    return this.exchange(code, opts);
  }

  /** Answers the open menu (`1`); USSD_NO_SESSION when none is open. */
  async reply(text: string, opts: UssdRequestOptions = {}): Promise<UssdResult> {
    if (!validReply(text)) throw new KatarError('VALIDATION', 'a USSD reply is 1 to 182 characters without quotes or line breaks', { field: 'text' });
    if (this.busy) throw this.busyError();
    if (!this.menuOpen) throw new KatarError('USSD_NO_SESSION', `no USSD menu is open on modem ${this.session.name}: start one with a code first`);
    return this.exchange(text, opts);
  }

  /** Ends any USSD session (`AT+CUSD=2`); a request waiting for its answer fails with USSD_CANCELLED. */
  async cancel(): Promise<{ cancelled: boolean }> {
    this.checkReady();
    const wasOpen = this.sessionOpen;
    this.closeMenu();
    this.pending?.reject(new KatarError('USSD_CANCELLED', `the USSD session on modem ${this.session.name} was cancelled`));
    this.pending = undefined;
    await this.session.control('AT+CUSD=2', { expect: [] }).catch((err: unknown) => {
      // Nothing open on the network side: some modems answer ERROR, which is what we wanted.
      if (!isKatarError(err, 'MODEM_ERROR', 'CME_ERROR')) throw err;
    });
    return { cancelled: wasOpen };
  }

  /** Stops listening; a waiting request fails with MODEM_NOT_READY. */
  close(): void {
    for (const d of this.detach.splice(0)) d();
    this.closeMenu();
    this.pending?.reject(new KatarError('MODEM_NOT_READY', `modem ${this.session.name} stopped`));
    this.pending = undefined;
  }

  private async exchange(text: string, opts: UssdRequestOptions): Promise<UssdResult> {
    this.checkReady();
    const timeoutMs = opts.timeoutMs ?? USSD_TIMEOUT_MS;
    const quirks = this.session.quirks;
    const form: UssdGsm7Form = quirks.ussdPackedHex ? 'packed-hex' : 'auto';
    this.busy = true;
    this.closeMenu();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Listening before the command is written: some modems print +CUSD before their OK.
    const answer = new Promise<UssdResult>((resolve, reject) => {
      this.pending = { resolve, reject };
      timer = setTimeout(() => reject(new KatarError('USSD_TIMEOUT', `the network did not answer ${text} within ${Math.round(timeoutMs / 1000)} s on modem ${this.session.name}; the USSD session was cancelled`)), timeoutMs);
    });
    answer.catch(() => {});
    const started = performance.now();
    try {
      const charset = quirks.ussdCharset ?? 'GSM';
      if (charset !== '' && !quirks.ussdPackedHex) await this.session.control(`AT+CSCS="${charset}"`, { expect: [] }).catch((err: unknown) => this.log.debug({ err }, 'AT+CSCS before USSD refused'));
      await this.send(text, form, timeoutMs);
      const line = await answer;
      this.log.info({ status: line.status, ms: Math.round(performance.now() - started) }, 'USSD answered');
      return line;
    } catch (err) {
      if (isKatarError(err, 'USSD_TIMEOUT')) await this.session.control('AT+CUSD=2', { expect: [] }).catch(() => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
      this.pending = undefined;
      this.busy = false;
    }
  }

  /** `AT+CUSD=1,...`; a refusal may be a session left open elsewhere, so it is cancelled and tried once more. */
  private async send(text: string, form: UssdGsm7Form, timeoutMs: number): Promise<void> {
    const command = `AT+CUSD=1,"${encodeUssdRequest(text, form)}",15`;
    // Some firmware holds its OK until the network answered: the command may take as long.
    const opts = { expect: [], timeoutMs };
    try {
      await this.session.control(command, opts);
    } catch (err) {
      if (!isKatarError(err, 'MODEM_ERROR', 'CME_ERROR')) throw this.notReady(err);
      this.log.debug({ err }, 'AT+CUSD refused; cancelling a session that may be open and trying again');
      await this.session.control('AT+CUSD=2', { expect: [] }).catch(() => undefined);
      try {
        await this.session.control(command, opts);
      } catch (again) {
        throw isKatarError(again, 'MODEM_ERROR', 'CME_ERROR')
          ? new KatarError('USSD_REJECTED', `modem ${this.session.name} refused the USSD request (${errorText(again)})`, undefined, { cause: again })
          : this.notReady(again);
      }
    }
  }

  private onCusd(line: CusdLine): void {
    const result: UssdResult = {
      status: line.status,
      statusText: ussdStatusText(line.status),
      text: line.raw === undefined ? '' : decodeUssdText(line.raw, line.dcs, this.session.quirks.ussdPackedHex ? 'packed-hex' : 'auto'),
      session: ussdSessionOpen(line.status) ? 'open' : 'closed',
      ...(line.dcs !== undefined && { dcs: line.dcs }),
    };
    if (result.session === 'open') this.openMenu();
    else this.closeMenu();
    const pending = this.pending;
    this.pending = undefined;
    if (pending) pending.resolve(result);
    else this.log.info({ status: result.status, session: result.session }, 'USSD from the network without a request in flight');
  }

  private onState(state: ModemState): void {
    if (state === 'ready') return;
    // A lost link or a reset ends whatever USSD session the modem had.
    this.closeMenu();
    this.pending?.reject(new KatarError('MODEM_NOT_READY', `modem ${this.session.name} became ${state} while waiting for the USSD answer`));
    this.pending = undefined;
  }

  private openMenu(): void {
    this.menuOpen = true;
    clearTimeout(this.menuTimer);
    this.menuTimer = setTimeout(() => {
      this.log.info({}, 'USSD menu left unanswered: cancelling it');
      this.menuOpen = false;
      void this.session.control('AT+CUSD=2', { expect: [] }).catch(() => undefined);
    }, MENU_IDLE_MS);
    this.menuTimer.unref?.();
  }

  private closeMenu(): void {
    this.menuOpen = false;
    clearTimeout(this.menuTimer);
    this.menuTimer = undefined;
  }

  private checkReady(): void {
    const state = this.session.state;
    if (state !== 'ready') throw new KatarError('MODEM_NOT_READY', `modem ${this.session.name} is ${state}: USSD needs it ready and registered`, { state });
  }

  private busyError(): KatarError {
    return new KatarError('USSD_BUSY', `a USSD session is open on modem ${this.session.name}: reply to it or cancel it (DELETE) first`);
  }

  private notReady(err: unknown): KatarError {
    if (isKatarError(err, 'MODEM_BUSY', 'MODEM_CLOSED', 'NOT_REGISTERED')) return new KatarError('MODEM_NOT_READY', `modem ${this.session.name} cannot take a USSD request now (${errorText(err)})`, undefined, { cause: err });
    if (isKatarError(err, 'MODEM_TIMEOUT')) return new KatarError('USSD_TIMEOUT', `modem ${this.session.name} did not accept the USSD request in time`, undefined, { cause: err });
    return isKatarError(err) ? err : new KatarError('INTERNAL', errorText(err), undefined, { cause: err });
  }
}
