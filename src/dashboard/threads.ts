import type { InboxEntry, Task } from './types.js';

export interface Conversation {
  number: string;
  last: InboxEntry;
  count: number;
}

/** Received SMS grouped by sender; the input is newest first, so is the output. */
export function conversations(messages: InboxEntry[]): Conversation[] {
  const byNumber = new Map<string, Conversation>();
  for (const m of messages) {
    const c = byNumber.get(m.from);
    if (c) c.count++;
    else byNumber.set(m.from, { number: m.from, last: m, count: 1 });
  }
  return [...byNumber.values()];
}

export type Item = { kind: 'in'; at: string; sms: InboxEntry } | { kind: 'out'; at: string; task: Task };

/** Received and sent messages of one number, oldest first, by their time. */
export function thread(received: InboxEntry[], sent: Task[]): Item[] {
  const items: Item[] = [...received.map((sms) => ({ kind: 'in' as const, at: sms.receivedAt, sms })), ...sent.map((task) => ({ kind: 'out' as const, at: task.createdAt ?? '', task }))];
  return items.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

