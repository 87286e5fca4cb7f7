/**
 * The entities katar-sms shows in Home Assistant, one spec each: which platform, the
 * platform's own options and the state or command topic the bridge serves. Shared
 * options (ids, availability, device, origin) are added by ha-discovery.ts.
 */
import { bridgeTopics, type BridgeTopics } from './topics.js';

/** The Home Assistant platforms used, as they appear in discovery topics. */
export type HaComponent = 'notify' | 'event' | 'sensor' | 'binary_sensor';

export interface EntitySpec {
  component: HaComponent;
  /** Unique within the component for this gateway; topic-safe ([a-zA-Z0-9_-]). */
  objectId: string;
  /** Readable tail of the suggested entity id, e.g. `modem0_signal`; sanitised later. */
  entitySuffix: string;
  /** The platform's options, `name` first. */
  options: Record<string, unknown>;
}

/** What the entities are made from: the topic prefix and the configured names, each once. */
export interface EntityNames {
  topicPrefix: string;
  /** This gateway's id when it is one box of a fleet (its modem topics are its own, topics.ts). */
  box?: string;
  modems: string[];
  queues: string[];
  contacts: string[];
  /** A topic-safe id for a configured name, distinct for distinct names. */
  idOf: (name: string) => string;
}

/**
 * The event JSON on `<prefix>/event/sms.received` is the event as GET /v1/events shows it:
 * `{id, type, time, queue, data}` with `data` the inbox entry (`_id`, `from`, `msg`,
 * `receivedAt`, ...). The event entity wants a JSON object with `event_type`; every other
 * key becomes an attribute. Subscripts rather than dots read a key whatever its name:
 * `from` is a Jinja keyword and Home Assistant's sandbox distrusts `_` attributes.
 */
const SMS_RECEIVED_TEMPLATE =
  "{{ {'event_type': 'sms_received', 'from': value_json.data['from'], 'text': value_json.data['msg'], " +
  "'time': value_json.data['receivedAt'], 'queue': value_json['queue'], 'sms_id': value_json.data['_id']} | to_json }}";

/** Only `ready` sends and receives (ModemState in src/modem/session/types.ts); anything else is "not connected". */
const CONNECTED_TEMPLATE = "{{ 'ON' if value == 'ready' else 'OFF' }}";

/** A sensor's state holds at most 255 characters; the whole text stays in the attributes. */
const LAST_TEXT_TEMPLATE = '{{ value_json.text[:255] }}';

function modemEntities(topics: BridgeTopics, modem: string, id: string): EntitySpec[] {
  const base = topics.modem(modem, 'state').replace(/\/state$/, '');
  return [
    {
      component: 'sensor',
      objectId: `modem_${id}_signal`,
      entitySuffix: `${modem}_signal`,
      options: { name: `${modem} signal`, state_topic: `${base}/signal`, device_class: 'signal_strength', unit_of_measurement: 'dBm', state_class: 'measurement', entity_category: 'diagnostic' },
    },
    {
      component: 'sensor',
      objectId: `modem_${id}_operator`,
      entitySuffix: `${modem}_operator`,
      options: { name: `${modem} operator`, state_topic: `${base}/operator`, icon: 'mdi:radio-tower', entity_category: 'diagnostic' },
    },
    {
      component: 'sensor',
      objectId: `modem_${id}_registration`,
      entitySuffix: `${modem}_registration`,
      options: { name: `${modem} registration`, state_topic: `${base}/registration`, icon: 'mdi:access-point-network', entity_category: 'diagnostic' },
    },
    {
      component: 'binary_sensor',
      objectId: `modem_${id}_connection`,
      entitySuffix: `${modem}_connection`,
      options: { name: `${modem} connection`, state_topic: `${base}/state`, value_template: CONNECTED_TEMPLATE, payload_on: 'ON', payload_off: 'OFF', device_class: 'connectivity', entity_category: 'diagnostic' },
    },
  ];
}

/** Every entity of one gateway, in a fixed order: event, last SMS, contacts, modems, queues. */
export function entitySpecs(n: EntityNames): EntitySpec[] {
  const p = n.topicPrefix;
  const specs: EntitySpec[] = [
    {
      component: 'event',
      objectId: 'sms_received',
      entitySuffix: 'sms_received',
      // QoS 1: an incoming SMS is an event that happens once; it should reach Home Assistant.
      options: { name: 'SMS received', state_topic: `${p}/event/sms.received`, value_template: SMS_RECEIVED_TEMPLATE, event_types: ['sms_received'], qos: 1, icon: 'mdi:message-arrow-left' },
    },
    {
      component: 'sensor',
      objectId: 'last_received',
      entitySuffix: 'last_received',
      options: { name: 'Last received SMS', state_topic: `${p}/last_received`, value_template: LAST_TEXT_TEMPLATE, json_attributes_topic: `${p}/last_received`, icon: 'mdi:message-text' },
    },
  ];
  for (const contact of n.contacts) {
    specs.push({
      component: 'notify',
      objectId: `contact_${n.idOf(contact)}`,
      entitySuffix: contact,
      // QoS 1: with the bridge's persistent session, a send made while the gateway is down waits at the broker.
      options: { name: `SMS to ${contact}`, command_topic: `${p}/send/${contact}`, qos: 2, icon: 'mdi:message-arrow-right' },
    });
  }
  const topics = bridgeTopics(p, n.box);
  for (const modem of n.modems) specs.push(...modemEntities(topics, modem, n.idOf(modem)));
  for (const queue of n.queues) {
    specs.push({
      component: 'sensor',
      objectId: `queue_${n.idOf(queue)}_depth`,
      entitySuffix: `${queue}_queue`,
      options: { name: `${queue} queue`, state_topic: `${p}/queue/${queue}/depth`, unit_of_measurement: 'messages', state_class: 'measurement', icon: 'mdi:tray-full' },
    });
  }
  return specs;
}
