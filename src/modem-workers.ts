import { KatarError } from '../errors.js';
import type { ComponentStarter } from '../main.js';

/** The built-in modem workers for the configured modems. */
export function modemComponents(): ComponentStarter[] {
  return [
    async (_gateway, config, logger) => {
      if (config.modems.length > 0) {
        throw new KatarError('CONFIG_INVALID', `the built-in modem worker is not available yet: start with --modem none`, { key: 'modems' });
      }
      logger.info({ module: 'worker' }, 'no modem configured: remote workers only');
      return { close: async () => undefined };
    },
  ];
}
