import type { EventType } from '../queue/gateway-event.js';

/** Every topic of the bridge under `<prefix>` (README, "MQTT"). */
export interface BridgeTopics {
  /** Retained `online` / `offline` of this gateway; `offline` is also the last will. */
  status: string;
  event(type: EventType | string): string;
  /** Retained state of a modem: `state`, `signal` (dBm), `operator`, `registration`. */
  modem(name: string, what: 'state' | 'signal' | 'operator' | 'registration'): string;
  /** Retained number of queued tasks of a queue. */
  queueDepth(queue: string): string;
  /** Retained JSON `{from, text, time}` of the last received SMS. */
  lastReceived: string;
  /** JSON sends. */
  send: string;
  /** What the bridge subscribes to for plain-text sends to contacts (`<prefix>/send/<contact>`). */
  sendToContact: string;
  /** Results of sends (unless an MQTT 5 request names its response topic). */
  result: string;
  /** The filters the bridge subscribes to for sends (shared subscriptions in a fleet). */
  sendFilters: string[];
}

/** The shared-subscription group of a fleet's bridges: the broker hands each send to one of them. */
export const FLEET_SHARE_GROUP = 'katar-sms';

/**
 * The topics under `prefix`. A bridge of a fleet (gateways sharing one queue on
 * PostgreSQL, usually with one config and so one prefix) passes its gateway id as `box`:
 * what belongs to one box (its online status and its modems, which may be named alike on
 * every box) then lives under `<prefix>/box/<box>/`, and the send topics are subscribed
 * as a shared subscription (`$share/katar-sms/...`, MQTT 5 and mosquitto's 3.1.1 alike),
 * so each send is taken by one box, not once per box. Events, queue depths and the last
 * received SMS are the fleet's own and stay under `<prefix>`.
 */
export function bridgeTopics(prefix: string, box?: string): BridgeTopics {
  const own = box === undefined ? prefix : `${prefix}/box/${box}`;
  const send = `${prefix}/send`;
  const sendToContact = `${prefix}/send/+`;
  return {
    status: `${own}/status`,
    event: (type) => `${prefix}/event/${type}`,
    modem: (name, what) => `${own}/modem/${name}/${what}`,
    queueDepth: (queue) => `${prefix}/queue/${queue}/depth`,
    lastReceived: `${prefix}/last_received`,
    send,
    sendToContact,
    result: `${prefix}/send/result`,
    sendFilters: box === undefined ? [send, sendToContact] : [send, sendToContact].map((t) => `$share/${FLEET_SHARE_GROUP}/${t}`),
  };
}
