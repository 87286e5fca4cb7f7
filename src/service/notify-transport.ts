import { execFile } from 'node:child_process';
import notify from 'systemd-notify';

/** How notifications reach systemd: one `systemd-notify` process per message. */
export interface NotifyTransport {
  /** READY=1 (and MAINPID). */
  ready(): Promise<void>;
  /** STATUS=text. */
  status(text: string): Promise<void>;
  /** Any other assignments, e.g. `WATCHDOG=1`, `STOPPING=1`. */
  send(assignments: string[]): Promise<void>;
}

/** A wedged `systemd-notify` must not pile up: its own barrier wait is 5 s. */
const SPAWN_TIMEOUT_MS = 10_000;

/**
 * The real transport. READY and STATUS go through the `systemd-notify` package, which
 * only knows those two (and sets MAINPID, which systemd needs as the sender is a child);
 * it has no WATCHDOG=1 or STOPPING=1, so those run the same program with raw
 * assignments. Every call inherits this process's environment (NOTIFY_SOCKET). The
 * program waits until systemd has read the message (its barrier), so the unit needs
 * NotifyAccess=all but does not race the helper's exit.
 */
export function spawnTransport(): NotifyTransport {
  return {
    ready: async () => {
      await notify({ ready: true });
    },
    status: async (text) => {
      await notify({ status: text });
    },
    send: (assignments) =>
      new Promise<void>((resolve, reject) => {
        execFile('systemd-notify', assignments, { timeout: SPAWN_TIMEOUT_MS }, (err, _stdout, stderr) => {
          if (err) reject(new Error(`systemd-notify ${assignments.join(' ')}: ${String(stderr).trim() || err.message}`));
          else resolve();
        });
      }),
  };
}
