import type { SentMessage, SentSms } from './types.js';

/**
 * Groups submitted parts into whole messages: parts with the same recipient and
 * concatenation reference join the newest open group lacking that sequence number.
 */
export function groupSent(sent: SentSms[]): SentMessage[] {
  const groups: { key: string; parts: SentSms[]; total: number }[] = [];
  for (const sms of sent) {
    const c = sms.concat;
    if (!c) {
      groups.push({ key: '', parts: [sms], total: 1 });
      continue;
    }
    const key = `${sms.to}|${c.referenceBits}|${c.reference}|${c.total}`;
    const open = groups.find((g) => g.key === key && g.parts.length < g.total && !g.parts.some((p) => p.concat?.sequence === c.sequence));
    if (open) open.parts.push(sms);
    else groups.push({ key, parts: [sms], total: c.total });
  }
  return groups.map((g) => {
    const parts = [...g.parts].sort((a, b) => (a.concat?.sequence ?? 0) - (b.concat?.sequence ?? 0));
    return { to: parts[0]?.to ?? '', text: parts.map((p) => p.text).join(''), parts, complete: parts.length === g.total };
  });
}
