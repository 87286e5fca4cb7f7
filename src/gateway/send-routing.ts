import type { SendRouting } from '../config/modem-sending.js';
import { KatarError } from '../errors.js';

/** What intake routes by: the configured modems, their groups and the prefix routes. */
export interface IntakeRouting extends SendRouting {
  /** Names of the modems of this gateway's built-in workers. */
  modems: readonly string[];
}

/** Where a send may go: `modems` absent means any worker (remote ones included). */
export interface RouteChoice {
  via?: string;
  modems?: string[];
}

/**
 * The modems a send may go out through, decided once at intake and stored with the task:
 * `via` names a modem or a group (unknown: VALIDATION naming `field`, so a refused SMS is
 * never sent later); without `via`, the longest configured prefix of the recipient
 * picks a route; otherwise any worker may send it. Deciding here rather than at each
 * lease keeps the lease a plain filter (lease-filter.ts) and shows the producer where
 * its SMS will go; a route changed in the config applies to sends from then on.
 */
export function chooseRoute(via: unknown, to: string, routing: IntakeRouting | undefined, field: string): RouteChoice {
  if (via === undefined || via === null) {
    const route = longestPrefix(to, routing?.routes ?? []);
    return route ? { modems: [...route.modems] } : {};
  }
  const names = routing?.modems ?? [];
  const groups = routing?.modemGroups ?? {};
  if (typeof via !== 'string' || via.length === 0) throw new KatarError('VALIDATION', `${field} must be the name of a modem or a modem group`, { field });
  if (names.includes(via)) return { via, modems: [via] };
  const group = Object.hasOwn(groups, via) ? groups[via] : undefined;
  if (group) return { via, modems: [...group] };
  const known = [names.length ? `modems: ${names.join(', ')}` : 'no modem is configured', Object.keys(groups).length ? `groups: ${Object.keys(groups).join(', ')}` : ''].filter(Boolean).join('; ');
  throw new KatarError('VALIDATION', `${field} "${via}" is neither a modem nor a modem group of this gateway (${known})`, { field });
}

function longestPrefix<R extends { prefix: string }>(to: string, routes: readonly R[]): R | undefined {
  let best: R | undefined;
  for (const r of routes) if (to.startsWith(r.prefix) && (!best || r.prefix.length > best.prefix.length)) best = r;
  return best;
}
