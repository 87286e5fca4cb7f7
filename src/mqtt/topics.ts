import type { EventType } from '../queue/gateway-event.js';

/** Every topic of the bridge under `<prefix>` (README, "MQTT"). */
export interface BridgeTopics {
  /** Retained `online` / `offline`; `offline` is also the last will. */
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
}

export function bridgeTopics(prefix: string): BridgeTopics {
  return {
    status: `${prefix}/status`,
    event: (type) => `${prefix}/event/${type}`,
    modem: (name, what) => `${prefix}/modem/${name}/${what}`,
    queueDepth: (queue) => `${prefix}/queue/${queue}/depth`,
    lastReceived: `${prefix}/last_received`,
    send: `${prefix}/send`,
    sendToContact: `${prefix}/send/+`,
    result: `${prefix}/send/result`,
  };
}
