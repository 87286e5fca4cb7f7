/** 27.005 message status: 0 REC UNREAD, 1 REC READ, 2 STO UNSENT, 3 STO SENT. */
export type MessageStat = 0 | 1 | 2 | 3;

/** Text-mode names of {@link MessageStat}. */
export const STAT_NAMES = ['REC UNREAD', 'REC READ', 'STO UNSENT', 'STO SENT'] as const;

/** One occupied slot. `pdu` is hex with the SMSC field, as AT+CMGR prints it. */
export interface StoredMessage {
  index: number;
  stat: MessageStat;
  pdu: string;
  kind: 'deliver' | 'status-report' | 'submit';
  /** Sender (deliver) or recipient (submit / report), for text mode and assertions. */
  address: string;
  text: string;
  timestamp: Date;
  /** For status reports: the MR it answers and TP-ST. */
  report?: { mr: number; status: number };
}

/**
 * One message memory (SM, ME, SR): numbered slots from `base`, a capacity, first free
 * slot reused. Non-volatile: survives reboots like a real SIM.
 */
export class MessageMemory {
  private readonly slots = new Map<number, StoredMessage>();

  constructor(
    readonly name: string,
    readonly capacity: number,
    readonly base: 0 | 1,
  ) {}

  get used(): number {
    return this.slots.size;
  }

  get full(): boolean {
    return this.slots.size >= this.capacity;
  }

  /** True when `index` is a slot number of this memory (occupied or not). */
  inRange(index: number): boolean {
    return Number.isInteger(index) && index >= this.base && index < this.base + this.capacity;
  }

  /** Stores in the first free slot; returns it, or undefined when full. */
  add(msg: Omit<StoredMessage, 'index'>): StoredMessage | undefined {
    for (let i = this.base; i < this.base + this.capacity; i++) {
      if (!this.slots.has(i)) {
        const stored = { ...msg, index: i };
        this.slots.set(i, stored);
        return stored;
      }
    }
    return undefined;
  }

  get(index: number): StoredMessage | undefined {
    return this.slots.get(index);
  }

  delete(index: number): boolean {
    return this.slots.delete(index);
  }

  /** Occupied slots in index order. */
  list(): StoredMessage[] {
    return [...this.slots.values()].sort((a, b) => a.index - b.index);
  }
}

/** All memories of one modem; `MT` is served by ME (simplification, see README gaps). */
export class MessageStorage {
  private readonly memories = new Map<string, MessageMemory>();

  constructor(
    private readonly capacityOf: (name: string) => number,
    private readonly base: 0 | 1,
  ) {}

  /** The memory called `name` (created on first use). */
  memory(name: string): MessageMemory {
    const key = name === 'MT' ? 'ME' : name.replace(/_P$/, '');
    let mem = this.memories.get(key);
    if (!mem) {
      mem = new MessageMemory(key, this.capacityOf(key), this.base);
      this.memories.set(key, mem);
    }
    return mem;
  }
}
