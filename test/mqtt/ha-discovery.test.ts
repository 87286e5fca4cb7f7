import { describe, expect, it } from 'vitest';
import { discoveryMessages, discoveryTopicFilter, removedDiscoveryTopics, type DiscoveryInput } from '../../src/mqtt/ha-discovery.js';

/*
 * What Home Assistant accepts in a discovery config, per platform, written from its docs
 * and the MQTT integration's schemas:
 *   discovery topic:  https://www.home-assistant.io/integrations/mqtt/#discovery-topic
 *                     (<discovery_prefix>/<component>/[<node_id>/]<object_id>/config, ids of
 *                     [a-zA-Z0-9_-]; the integration matches topics with exactly this pattern)
 *   shared options:   https://www.home-assistant.io/integrations/mqtt/#discovery-messages
 *                     (availability, device, origin, unique_id, default_entity_id, ...;
 *                     object_id stopped working in 2026.4, default_entity_id is
 *                     "<platform>.<object id>")
 *   notify:           https://www.home-assistant.io/integrations/notify.mqtt/
 *   event:            https://www.home-assistant.io/integrations/event.mqtt/
 *   sensor:           https://www.home-assistant.io/integrations/sensor.mqtt/
 *   binary_sensor:    https://www.home-assistant.io/integrations/binary_sensor.mqtt/
 * A key outside these tables is dropped by Home Assistant without a word, so a typo would
 * silently lose a setting: the test treats it as an error.
 */

/** Options every entity platform takes (availability, entity and device info, the MQTT base options). */
const COMMON_KEYS = [
  'availability', 'availability_mode', 'availability_template', 'availability_topic', 'payload_available', 'payload_not_available',
  'device', 'origin', 'enabled_by_default', 'visible_by_default', 'entity_category', 'entity_picture', 'icon',
  'json_attributes_topic', 'json_attributes_template', 'default_entity_id', 'unique_id', 'message_expiry_interval',
  'qos', 'encoding',
];

const PLATFORMS: Record<string, { required: string[]; allowed: string[] }> = {
  notify: { required: ['command_topic'], allowed: ['command_topic', 'command_template', 'name', 'retain'] },
  event: { required: ['state_topic', 'event_types'], allowed: ['state_topic', 'value_template', 'event_types', 'device_class', 'name'] },
  sensor: {
    required: ['state_topic'],
    allowed: ['state_topic', 'value_template', 'device_class', 'expire_after', 'force_update', 'last_reset_value_template', 'name', 'options', 'suggested_display_precision', 'state_class', 'unit_of_measurement'],
  },
  binary_sensor: {
    required: ['state_topic'],
    allowed: ['state_topic', 'value_template', 'device_class', 'expire_after', 'force_update', 'name', 'off_delay', 'payload_off', 'payload_on'],
  },
};

const DEVICE_KEYS = ['identifiers', 'connections', 'manufacturer', 'model', 'model_id', 'name', 'hw_version', 'serial_number', 'sw_version', 'via_device', 'suggested_area', 'configuration_url'];
const ORIGIN_KEYS = ['name', 'sw_version', 'support_url'];
const AVAILABILITY_KEYS = ['topic', 'payload_available', 'payload_not_available', 'value_template'];
/** An entity id as Home Assistant validates it: lower case, digits and single underscores, not at either end. */
const ENTITY_ID = /^([a-z_]+)\.(?!_)(?!.*__)[a-z0-9_]+(?<!_)$/;

const INPUT: DiscoveryInput = {
  gatewayId: 'pi-kitchen',
  version: '0.1.0',
  dashboardUrl: 'http://pi-kitchen.local:3000/',
  topicPrefix: 'katar-sms',
  discoveryPrefix: 'homeassistant',
  modems: ['modem0', 'modem1'],
  queues: ['sms', 'alerts'],
  contacts: [
    { name: 'alice', to: '+61491570110' },
    { name: 'Bob Smith', to: '+61491570111' },
  ],
};

type Config = Record<string, unknown> & { unique_id: string; name: string; device: Record<string, unknown> };

interface Parsed {
  topic: string;
  component: string;
  nodeId: string;
  objectId: string;
  config: Config;
}

function parsed(input: DiscoveryInput): Parsed[] {
  const prefix = input.discoveryPrefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const grammar = new RegExp(`^${prefix}/(\\w+)/(?:([a-zA-Z0-9_-]+)/)?([a-zA-Z0-9_-]+)/config$`);
  return discoveryMessages(input).map(({ topic, payload }) => {
    const m = grammar.exec(topic);
    if (!m) throw new Error(`not a discovery topic: ${topic}`);
    return { topic, component: m[1] ?? '', nodeId: m[2] ?? '', objectId: m[3] ?? '', config: JSON.parse(payload) as Config };
  });
}

/** The one config whose state or command topic is `topic`, of `component`. */
function byTopic(all: Parsed[], component: string, topic: string): Config {
  const found = all.filter((p) => p.component === component && (p.config.state_topic === topic || p.config.command_topic === topic));
  expect(found, `${component} on ${topic}`).toHaveLength(1);
  return found[0]!.config;
}

describe('Home Assistant discovery configs', () => {
  it('are valid JSON on discovery topics, with the keys each platform requires and no others', () => {
    const all = parsed(INPUT);
    expect(all.length).toBeGreaterThan(0);
    for (const { topic, component, nodeId, config } of all) {
      const platform = PLATFORMS[component];
      expect(platform, `${topic}: a platform the table knows`).toBeDefined();
      for (const key of platform!.required) expect(config, `${topic} requires ${key}`).toHaveProperty(key);
      const allowed = new Set([...COMMON_KEYS, ...platform!.allowed]);
      for (const key of Object.keys(config)) expect(allowed.has(key), `${topic}: unknown key ${key}`).toBe(true);

      expect(nodeId).toBe('pi-kitchen');
      expect(typeof config.unique_id).toBe('string');
      expect(config.default_entity_id).toMatch(ENTITY_ID);
      expect(String(config.default_entity_id).split('.')[0]).toBe(component);
      expect(typeof config.name).toBe('string');
      expect(config.name.startsWith(String(config.device.name)), `${topic}: entity name repeats the device name`).toBe(false);
      if (config.icon !== undefined) expect(config.icon).toMatch(/^mdi:[a-z0-9-]+$/);

      expect(config.availability).toEqual([{ topic: 'katar-sms/status', payload_available: 'online', payload_not_available: 'offline' }]);
      for (const a of config.availability as Array<Record<string, unknown>>) {
        for (const key of Object.keys(a)) expect(AVAILABILITY_KEYS).toContain(key);
      }
      for (const key of Object.keys(config.device)) expect(DEVICE_KEYS).toContain(key);
      for (const key of Object.keys(config.origin as object)) expect(ORIGIN_KEYS).toContain(key);
      expect(config.origin).toEqual({ name: 'katar-sms', sw_version: '0.1.0' });
    }
  });

  it('announce one device: katar-sms <gateway id>, its model, version and dashboard', () => {
    const all = parsed(INPUT);
    for (const { config } of all) {
      expect(config.device).toEqual({
        identifiers: ['katar-sms:pi-kitchen'],
        name: 'katar-sms pi-kitchen',
        manufacturer: 'katar-sms',
        model: 'katar-sms',
        sw_version: '0.1.0',
        configuration_url: 'http://pi-kitchen.local:3000/',
      });
    }
    const bare = parsed({ ...INPUT, dashboardUrl: undefined });
    for (const { config } of bare) expect(config.device).not.toHaveProperty('configuration_url');
  });

  it('have a notify entity per contact that publishes the text to <prefix>/send/<contact>', () => {
    const all = parsed(INPUT);
    expect(all.filter((p) => p.component === 'notify')).toHaveLength(2);
    const alice = byTopic(all, 'notify', 'katar-sms/send/alice');
    expect(alice).toMatchObject({ name: 'SMS to alice', qos: 2, default_entity_id: 'notify.katar_sms_pi_kitchen_alice' });
    // No command_template: the notify entity publishes the message as it is, the plain-text form of a send.
    expect(alice).not.toHaveProperty('command_template');
    expect(alice).not.toHaveProperty('retain');
    expect(byTopic(all, 'notify', 'katar-sms/send/Bob Smith')).toMatchObject({ name: 'SMS to Bob Smith' });
  });

  it('have an sms_received event entity that turns the event JSON into from, text and time', () => {
    const event = byTopic(parsed(INPUT), 'event', 'katar-sms/event/sms.received');
    expect(event).toMatchObject({ name: 'SMS received', event_types: ['sms_received'], qos: 1, default_entity_id: 'event.katar_sms_pi_kitchen_sms_received' });
    const template = String(event.value_template);
    // The event as GET /v1/events shows it: {id, type, time, queue, data: inbox entry {_id, from, msg, receivedAt, ...}}.
    expect(template).toContain("'event_type': 'sms_received'");
    expect(template).toContain("'from': value_json.data['from']");
    expect(template).toContain("'text': value_json.data['msg']");
    expect(template).toContain("'time': value_json.data['receivedAt']");
    expect(template).toMatch(/\|\s*to_json\s*}}$/);
  });

  it('have per modem a signal, operator and registration sensor and a connectivity binary sensor', () => {
    const all = parsed(INPUT);
    for (const modem of INPUT.modems) {
      expect(byTopic(all, 'sensor', `katar-sms/modem/${modem}/signal`)).toMatchObject({
        name: `${modem} signal`,
        unit_of_measurement: 'dBm',
        device_class: 'signal_strength',
        state_class: 'measurement',
        entity_category: 'diagnostic',
        default_entity_id: `sensor.katar_sms_pi_kitchen_${modem}_signal`,
      });
      expect(byTopic(all, 'sensor', `katar-sms/modem/${modem}/operator`)).toMatchObject({ name: `${modem} operator`, entity_category: 'diagnostic' });
      expect(byTopic(all, 'sensor', `katar-sms/modem/${modem}/registration`)).toMatchObject({ name: `${modem} registration`, entity_category: 'diagnostic' });
      const link = byTopic(all, 'binary_sensor', `katar-sms/modem/${modem}/state`);
      expect(link).toMatchObject({ name: `${modem} connection`, device_class: 'connectivity', payload_on: 'ON', payload_off: 'OFF' });
      // Only `ready` sends and receives (src/modem/session/types.ts): every other state is "not connected".
      expect(link.value_template).toBe("{{ 'ON' if value == 'ready' else 'OFF' }}");
    }
    expect(all.filter((p) => p.component === 'binary_sensor')).toHaveLength(INPUT.modems.length);
  });

  it('have a queued-messages sensor per queue and one for the last received SMS', () => {
    const all = parsed(INPUT);
    for (const queue of INPUT.queues) {
      expect(byTopic(all, 'sensor', `katar-sms/queue/${queue}/depth`)).toMatchObject({ name: `${queue} queue`, state_class: 'measurement', unit_of_measurement: 'messages' });
    }
    const last = byTopic(all, 'sensor', 'katar-sms/last_received');
    expect(last).toMatchObject({ name: 'Last received SMS', json_attributes_topic: 'katar-sms/last_received', default_entity_id: 'sensor.katar_sms_pi_kitchen_last_received' });
    // A sensor's state holds at most 255 characters; the whole text stays in the attributes.
    expect(last.value_template).toBe('{{ value_json.text[:255] }}');
  });

  it('have unique ids that are unique, stable across calls and independent of the order of the lists', () => {
    const ids = (input: DiscoveryInput) => new Map(parsed(input).map((p) => [p.topic, p.config.unique_id]));
    const first = ids(INPUT);
    expect(new Set(first.values()).size).toBe(first.size);
    expect(new Set(discoveryMessages(INPUT).map((m) => m.topic)).size).toBe(first.size);
    expect(ids(INPUT)).toEqual(first);
    const shuffled: DiscoveryInput = { ...INPUT, modems: [...INPUT.modems].reverse(), queues: [...INPUT.queues].reverse(), contacts: [...INPUT.contacts].reverse() };
    expect(ids(shuffled)).toEqual(first);
    const sorted = (input: DiscoveryInput) => discoveryMessages(input).sort((a, b) => a.topic.localeCompare(b.topic));
    expect(sorted(shuffled)).toEqual(sorted(INPUT));
    // Another gateway on the same Home Assistant gets ids of its own.
    const other = ids({ ...INPUT, gatewayId: 'pi-garage' });
    for (const id of other.values()) expect([...first.values()]).not.toContain(id);
  });

  it('keep names that sanitise alike apart, in topics and unique ids', () => {
    const input: DiscoveryInput = {
      ...INPUT,
      gatewayId: 'Pi Kitchen/1',
      modems: ['usb modem', 'usb-modem', 'usb_modem', 'usb/modem'],
      contacts: [
        { name: 'Bob Smith', to: '+61491570111' },
        { name: 'Bob_Smith', to: '+61491570112' },
        { name: 'bob smith', to: '+61491570113' },
        { name: 'Bøb Smith', to: '+61491570114' },
      ],
    };
    const all = parsed(input);
    expect(new Set(all.map((p) => p.topic)).size).toBe(all.length);
    expect(new Set(all.map((p) => p.config.unique_id)).size).toBe(all.length);
    for (const p of all) {
      expect(p.nodeId).toMatch(/^[a-zA-Z0-9_-]+$/);
      expect(p.config.default_entity_id).toMatch(ENTITY_ID);
    }
    expect(all.filter((p) => p.component === 'notify')).toHaveLength(4);
    expect(all.filter((p) => p.component === 'binary_sensor')).toHaveLength(4);
    expect(new Set(all.map((p) => p.nodeId)).size).toBe(1);
  });

  it('of one box of a fleet point at its own status and modem topics, and at the fleet\'s shared ones', () => {
    const all = parsed({ ...INPUT, box: 'pi-2' });
    const signal = byTopic(all, 'sensor', 'katar-sms/box/pi-2/modem/modem0/signal');
    expect(signal.availability).toEqual([{ topic: 'katar-sms/box/pi-2/status', payload_available: 'online', payload_not_available: 'offline' }]);
    expect(byTopic(all, 'binary_sensor', 'katar-sms/box/pi-2/modem/modem1/state')).toBeDefined();
    expect(byTopic(all, 'event', 'katar-sms/event/sms.received')).toBeDefined();
    expect(all.some((p) => String(p.config.state_topic ?? '').startsWith('katar-sms/modem/'))).toBe(false);
  });

  it('follow topicPrefix and discoveryPrefix', () => {
    const all = parsed({ ...INPUT, topicPrefix: 'home/sms', discoveryPrefix: 'ha-discovery' });
    for (const p of all) {
      expect(p.topic.startsWith('ha-discovery/')).toBe(true);
      expect(p.config.availability).toEqual([{ topic: 'home/sms/status', payload_available: 'online', payload_not_available: 'offline' }]);
      const own = p.config.state_topic ?? p.config.command_topic;
      expect(String(own).startsWith('home/sms/')).toBe(true);
    }
  });

  it('with no modems, contacts or queues still announce the event and the last received SMS', () => {
    const all = parsed({ ...INPUT, modems: [], contacts: [], queues: [] });
    expect(all.map((p) => p.component).sort()).toEqual(['event', 'sensor']);
  });
});

describe('removed discovery topics', () => {
  it('are the topics of a contact or modem that left the config, to be cleared', () => {
    const before = discoveryMessages(INPUT).map((m) => m.topic);
    const after = discoveryMessages({ ...INPUT, modems: ['modem0'], contacts: [{ name: 'alice', to: '+61491570110' }] });
    const removed = removedDiscoveryTopics(before, after);
    const gone = parsed(INPUT).filter((p) => !after.some((m) => m.topic === p.topic));
    expect(removed.sort()).toEqual(gone.map((p) => p.topic).sort());
    // Bob's notify entity, and modem1's three sensors and its binary sensor.
    expect(removed).toHaveLength(5);
    const byComponent = gone.map((p) => `${p.component}:${String(p.config.state_topic ?? p.config.command_topic)}`).sort();
    expect(byComponent).toEqual([
      'binary_sensor:katar-sms/modem/modem1/state',
      'notify:katar-sms/send/Bob Smith',
      'sensor:katar-sms/modem/modem1/operator',
      'sensor:katar-sms/modem/modem1/registration',
      'sensor:katar-sms/modem/modem1/signal',
    ]);
  });

  it('are found at the broker with one subscription per gateway, whatever the names were', () => {
    /** MQTT topic filter matching: `+` one level, `#` the rest. */
    const matches = (filter: string, topic: string) => {
      const f = filter.split('/');
      const t = topic.split('/');
      return f.every((level, i) => level === '#' || (i < t.length && (level === '+' || level === t[i]))) && (f.at(-1) === '#' || f.length === t.length);
    };
    const weird: DiscoveryInput = { ...INPUT, gatewayId: 'Pi Kitchen/1', modems: ['usb modem'], contacts: [{ name: 'Bøb', to: '+61491570114' }] };
    for (const input of [INPUT, weird]) {
      const filter = discoveryTopicFilter(input);
      expect(filter).not.toContain('#');
      for (const { topic } of discoveryMessages(input)) expect(matches(filter, topic), `${filter} ~ ${topic}`).toBe(true);
      const other = discoveryMessages({ ...input, gatewayId: 'pi-garage' });
      for (const { topic } of other) expect(matches(filter, topic)).toBe(false);
    }
  });

  it('are none when nothing changed, and each topic once', () => {
    const now = discoveryMessages(INPUT);
    expect(removedDiscoveryTopics(now.map((m) => m.topic), now)).toEqual([]);
    expect(removedDiscoveryTopics(['homeassistant/sensor/x/y/config', 'homeassistant/sensor/x/y/config'], now)).toEqual(['homeassistant/sensor/x/y/config']);
    expect(removedDiscoveryTopics([], now)).toEqual([]);
  });
});
