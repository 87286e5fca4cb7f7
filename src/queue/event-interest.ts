import type { EventType, GatewayEvent } from './gateway-event.js';

/** The property of an event listener that names the only types it wants (see `forTypes`). */
export const EVENT_TYPES = Symbol('katar.eventTypes');

type Listener = (event: GatewayEvent) => void;

/**
 * `listener`, marked as wanting only events of `types`. An event log may then leave the
 * others out (the PostgreSQL log reads other boxes' events only when a listener wants
 * them); a listener is still handed events of other types, and ignores them. A listener
 * without the mark wants every event.
 */
export function forTypes<L extends Listener>(types: readonly EventType[], listener: L): L {
  return Object.assign(listener, { [EVENT_TYPES]: types });
}

/** The types `listener` wants; undefined: all. */
export function typesOf(listener: (...args: never[]) => unknown): readonly EventType[] | undefined {
  return (listener as { [EVENT_TYPES]?: readonly EventType[] })[EVENT_TYPES];
}
