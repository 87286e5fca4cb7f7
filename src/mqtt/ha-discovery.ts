import { createHash } from 'node:crypto';
import { entitySpecs, type EntitySpec } from './ha-entities.js';
import { bridgeTopics } from './topics.js';

/**
 * Home Assistant MQTT discovery for one gateway: the retained config messages that make
 * one device "katar-sms <gateway id>" with its entities appear, and the topics to clear
 * when a contact, modem or queue leaves the config. Pure: the bridge publishes.
 *
 * Topics are `<discoveryPrefix>/<component>/<node id>/<object id>/config`, the node id
 * made from the gateway id. Ids in topics keep a name as it is when it is already made of
 * `[a-zA-Z0-9_-]`; any other name is sanitised and gets a short hash of itself, so two
 * names that sanitise alike stay distinct. `unique_id`s are made from the same ids, so
 * they depend only on the gateway id, the kind of entity and the name, never on order.
 */

export interface DiscoveryInput {
  gatewayId: string;
  version: string;
  dashboardUrl?: string;
  topicPrefix: string;
  /** The gateway id when it is one box of a fleet: its own topics are under `<prefix>/box/<box>/` (topics.ts). */
  box?: string;
  discoveryPrefix: string;
  modems: string[];
  queues: string[];
  contacts: Array<{ name: string; to: string }>;
}

/** Retained config messages, payload JSON. */
export function discoveryMessages(input: DiscoveryInput): Array<{ topic: string; payload: string }> {
  const nodeId = topicId(input.gatewayId);
  const shared = sharedOptions(input, nodeId);
  const specs = entitySpecs({
    topicPrefix: input.topicPrefix,
    ...(input.box !== undefined && { box: input.box }),
    modems: unique(input.modems),
    queues: unique(input.queues),
    contacts: unique(input.contacts.map((c) => c.name)),
    idOf: topicId,
  });
  return specs.map((spec) => ({
    topic: `${input.discoveryPrefix}/${spec.component}/${nodeId}/${spec.objectId}/config`,
    payload: JSON.stringify(configOf(spec, input.gatewayId, nodeId, shared)),
  }));
}

/**
 * The subscription that finds every config of this gateway kept at the broker (the
 * retained ones, with whatever names they were made from): `previous` for
 * removedDiscoveryTopics after a restart.
 */
export function discoveryTopicFilter(input: Pick<DiscoveryInput, 'gatewayId' | 'discoveryPrefix'>): string {
  return `${input.discoveryPrefix}/+/${topicId(input.gatewayId)}/+/config`;
}

/** Topics published before that the current config no longer has: to clear with an empty retained payload. */
export function removedDiscoveryTopics(previous: string[], current: Array<{ topic: string }>): string[] {
  const kept = new Set(current.map((m) => m.topic));
  return unique(previous.filter((t) => !kept.has(t)));
}

function configOf(spec: EntitySpec, gatewayId: string, nodeId: string, shared: Record<string, unknown>): Record<string, unknown> {
  const { name, ...platform } = spec.options;
  return {
    name,
    unique_id: `katar-sms:${nodeId}:${spec.objectId}`,
    // A suggestion: Home Assistant adds a suffix when the id is taken, and the user may rename it.
    default_entity_id: `${spec.component}.${entitySlug(`katar_sms_${gatewayId}_${spec.entitySuffix}`)}`,
    ...platform,
    ...shared,
  };
}

/** Availability, device and origin: the same in every config of the gateway. */
function sharedOptions(input: DiscoveryInput, nodeId: string): Record<string, unknown> {
  return {
    availability: [{ topic: bridgeTopics(input.topicPrefix, input.box).status, payload_available: 'online', payload_not_available: 'offline' }],
    device: {
      identifiers: [`katar-sms:${nodeId}`],
      name: `katar-sms ${input.gatewayId}`,
      manufacturer: 'katar-sms',
      model: 'katar-sms',
      sw_version: input.version,
      ...(input.dashboardUrl !== undefined && { configuration_url: input.dashboardUrl }),
    },
    origin: { name: 'katar-sms', sw_version: input.version },
  };
}

/** `name` itself when it fits `[a-zA-Z0-9_-]+`, else its sanitised form plus 8 hex digits of its SHA-256. */
function topicId(name: string): string {
  if (/^[a-zA-Z0-9_-]+$/.test(name)) return name;
  const safe = name.replace(/[^a-zA-Z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || 'x';
  return `${safe}_${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

/** An entity id's object part as Home Assistant validates it: a-z, 0-9 and single underscores inside. */
function entitySlug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'x';
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}
