/** Types for the `systemd-notify` package (v1, CommonJS, ships none). */
declare module 'systemd-notify' {
  /** Options mapped to `systemd-notify --ready --status=... --pid=...`. */
  interface NotifyOptions {
    ready?: boolean;
    status?: string;
    pid?: number;
    booted?: boolean;
  }
  /** Spawns the `systemd-notify` program once; rejects with its stderr (a string) on failure. */
  function notify(options?: NotifyOptions): Promise<unknown>;
  export = notify;
}
