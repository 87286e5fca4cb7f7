/**
 * Reading, listing and deleting stored messages: one memory selection at a time (a
 * session-wide lock keeps `AT+CPMS` and the following `AT+CMGR` together), `AT+CPMS` sent
 * only when the wanted memory is not the current read memory (python-gsmmodem does the same).
 */
import { KatarError, isKatarError } from '../../errors.js';
import type { AtResponse } from '../at/engine.js';
import type { StorageChoice } from '../sms-settings.js';
import { parseCmgl, parseCmgr } from '../sms-listing.js';
import type { Commands, InitRequests, SessionLogger } from './traits.js';
import type { StoredPdu } from './types.js';

/** True for the errors that mean an empty slot: CMS 321, Samsung CME -1 (docs/hardware.md#reading-and-listing-stored-messages). */
export function isEmptySlotError(err: unknown): boolean {
  if (isKatarError(err, 'CMS_ERROR')) return err.details?.errorCode === 321;
  if (isKatarError(err, 'CME_ERROR')) return err.details?.errorCode === -1;
  return false;
}

/** The modem's message storage as one session reaches it; `readMemory` is what AT+CMGR currently reads. */
export class ModemStorage {
  /** mem1 as last set (by init or by a read); undefined when unknown. */
  private readMemory: string | undefined;
  /** mem3: where new messages land; what `list()` lists. */
  private receiveAt: string | undefined;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    /** Runs commands on the initialised modem (MODEM_BUSY otherwise). */
    private readonly commands: Pick<Commands, 'cmd'>,
    private readonly log: SessionLogger,
    /** A text-mode answer means the modem lost its settings: re-initialise. */
    private readonly init: InitRequests,
  ) {}

  /** mem3, where new messages land, once initialised. */
  get receiveMemory(): string | undefined {
    return this.receiveAt;
  }

  /** The init chose (or found no) storage: reads and listings start from there. */
  reset(choice: StorageChoice | undefined): void {
    this.readMemory = choice?.read;
    this.receiveAt = choice?.receive;
  }

  /** `AT+CMGR=<index>` in `storage`; undefined for an empty slot. */
  read(storage: string, index: number): Promise<StoredPdu | undefined> {
    return this.exclusive(async () => {
      const mem = await this.use(storage);
      let res: AtResponse;
      try {
        res = await this.commands.cmd(`AT+CMGR=${index}`);
      } catch (err) {
        if (isEmptySlotError(err)) return undefined;
        throw err;
      }
      const entry = this.guard(() => parseCmgr(res.lines));
      if (!entry) return undefined;
      const out: StoredPdu = { storage: mem, index, pdu: entry.pdu };
      if (entry.stat !== undefined) out.stat = entry.stat;
      return out;
    });
  }

  /** `AT+CMGL=4` over the receive memory. */
  list(): Promise<StoredPdu[]> {
    return this.exclusive(async () => {
      const mem = this.receiveAt ? await this.use(this.receiveAt) : (this.readMemory ?? '');
      const res = await this.commands.cmd('AT+CMGL=4', { timeoutMs: 60_000 });
      const { entries, problems } = this.guard(() => parseCmgl(res.lines));
      if (problems.length > 0) this.log.warn({ problems }, 'unreadable lines in AT+CMGL answer');
      return entries.map((e) => {
        const out: StoredPdu = { storage: mem, index: e.index ?? -1, pdu: e.pdu };
        if (e.stat !== undefined) out.stat = e.stat;
        return out;
      });
    });
  }

  /** `AT+CMGD=<index>` in `storage`. */
  remove(storage: string, index: number): Promise<void> {
    return this.exclusive(async () => {
      await this.use(storage);
      await this.commands.cmd(`AT+CMGD=${index}`);
    });
  }

  private async use(storage: string): Promise<string> {
    const mem = storage.trim().toUpperCase();
    if (mem === '' || mem === this.readMemory) return mem || (this.readMemory ?? '');
    // One parameter changes mem1 only; the receive memory (mem3) stays where it was.
    await this.commands.cmd(`AT+CPMS="${mem}"`);
    this.readMemory = mem;
    return mem;
  }

  private guard<T>(parse: () => T): T {
    try {
      return parse();
    } catch (err) {
      if (isKatarError(err, 'PDU_UNSUPPORTED')) {
        this.init.requestInit('text-mode answer in PDU mode');
        throw new KatarError('MODEM_BUSY', 'the modem lost its settings; re-initialising', { reason: 'text-mode' }, { cause: err });
      }
      throw err;
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}
