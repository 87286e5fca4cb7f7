/**
 * The simulated modem (device side of the port seam), its personalities and the ways
 * to expose it: in-process link, pseudo-terminal, loopback control API.
 */
export { SimulatedModem, type SimCounters } from './sim-modem.js';
export { SimLink } from './sim-link.js';
export { defaultBehaviours } from './behaviours/index.js';
export * as behaviours from './behaviours/index.js';
export * as outcome from './outcome.js';
export { personalities, resolvePersonality, isPersonalityName } from './personalities/index.js';
export type { CmgrHeaderStyle, EmptySlotStyle, Personality, PersonalityName, PersonalityObject } from './personalities/index.js';
export type { ResolvedOptions, SimCard } from './settings.js';
export type { MessageStat, StoredMessage } from './storage.js';
export type {
  IncomingSms,
  NetworkState,
  Outcome,
  ParsedCommand,
  PromptBody,
  SentMessage,
  SentSms,
  SimBehaviour,
  SimContext,
  SimError,
  SimModemOptions,
  SimQuirks,
  SimSettings,
  SimStatus,
} from './types.js';
export { exposeOnPty, ptyRelayAvailable, type PtyExposure } from './pty-link.js';
export { startControlApi, type ControlApi } from './control-api.js';
export { clearHang, hang, isHung, swapSim, type HangUntil, type NewSimCard } from './field-faults.js';
export { runSimulate, type SimulateLogger, type SimulateOptions } from './simulate-command.js';
