import type { Personality } from './personalities/personality.js';
import type { Outcome, ParsedCommand, SimBehaviour, SimContext } from './types.js';

/**
 * The ordered behaviour list of one modem: test-added behaviours (newest first), then
 * the personality's vendor behaviours, then the defaults. Like zwave-js's mock
 * controller, later additions win, so a test states only its twist.
 */
export class BehaviourRegistry {
  private readonly added: SimBehaviour[] = [];
  private readonly overrides = new Map<string, SimBehaviour['handle']>();

  constructor(
    private readonly personality: Personality,
    private readonly defaults: SimBehaviour[],
  ) {}

  /** Adds a behaviour checked before all others. */
  use(behaviour: SimBehaviour): void {
    this.added.unshift(behaviour);
  }

  /** Replaces the handler of the behaviour called `name`. */
  override(name: string, handle: SimBehaviour['handle']): void {
    this.overrides.set(name, handle);
  }

  /** The first answer of a matching behaviour; undefined when none answers. */
  dispatch(cmd: ParsedCommand, ctx: SimContext): Outcome | undefined {
    for (const b of [...this.added, ...this.personality.behaviours, ...this.defaults]) {
      if (!b.match(cmd, ctx)) continue;
      const outcome = (this.overrides.get(b.name) ?? b.handle)(cmd, ctx);
      if (outcome) return outcome;
    }
    return undefined;
  }
}
