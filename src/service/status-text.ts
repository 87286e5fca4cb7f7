/** What the STATUS line is made of: task counts per queue and each modem's last health. */
export interface StatusInput {
  /** Counts per status, one entry per queue (summed into one line). */
  queues: ReadonlyArray<Readonly<Record<string, number>>>;
  modems: ReadonlyArray<{ name: string; state: string; signalDbm?: number; registration?: string; pauseReason?: string; pausedUntil?: string }>;
}

/** systemctl shows STATUS= on one line; longer text is only noise there. */
const MAX_LENGTH = 200;

/**
 * The systemd STATUS= text, e.g. "3 queued, 1 sending; modem0 ready, -71 dBm". Only
 * `queued` and `in progress` are counted: finished tasks say nothing about the present.
 */
export function statusText(input: StatusInput): string {
  let queued = 0;
  let sending = 0;
  for (const counts of input.queues) {
    queued += counts.queued ?? 0;
    sending += counts['in progress'] ?? 0;
  }
  const parts = [`${queued} queued, ${sending} sending`];
  if (input.modems.length === 0) parts.push('no modem');
  for (const m of input.modems) {
    const roaming = m.registration && m.registration !== 'home' && m.state === 'ready' ? ` (${m.registration})` : '';
    const signal = m.signalDbm !== undefined ? `, ${m.signalDbm} dBm` : '';
    const paused = m.pauseReason && m.pausedUntil ? `, ${m.pauseReason === 'limit' ? 'paused by limit' : 'outside send window'} until ${m.pausedUntil}` : '';
    parts.push(`${m.name} ${m.state}${roaming}${signal}${paused}`);
  }
  // A newline would end the STATUS= assignment and start a new one in the datagram.
  const text = parts.join('; ').replace(/[\r\n]+/g, ' ');
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1)}…` : text;
}
