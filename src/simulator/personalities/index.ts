import { KatarError } from '../../errors.js';
import { generic } from './generic.js';
import { huawei } from './huawei.js';
import type { Personality, PersonalityName, PersonalityObject } from './personality.js';
import { quectel } from './quectel.js';
import { simcomSim7600, simcomSim800 } from './simcom.js';

/** The built-in personalities by name. */
export const personalities: Record<PersonalityName, Personality> = {
  generic,
  'simcom-sim800': simcomSim800,
  'simcom-sim7600': simcomSim7600,
  quectel,
  huawei,
};

/** True when `name` is a built-in personality. */
export function isPersonalityName(name: string): name is PersonalityName {
  return Object.hasOwn(personalities, name);
}

/** Resolves a name or a custom object (overrides on top of its `base`) to a Personality. */
export function resolvePersonality(p: PersonalityName | PersonalityObject | undefined): Personality {
  if (p === undefined) return generic;
  if (typeof p === 'string') {
    if (!isPersonalityName(p)) throw new KatarError('CONFIG_INVALID', `unknown simulator personality "${String(p)}"`, { personality: p });
    return personalities[p];
  }
  const { base, ...overrides } = p;
  return { ...personalities[base ?? 'generic'], ...overrides };
}

export type { CmgrHeaderStyle, EmptySlotStyle, Personality, PersonalityName, PersonalityObject } from './personality.js';
export { parseMemories, parseRanges } from './personality.js';
