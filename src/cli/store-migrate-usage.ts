// The help of `katar-sms store migrate`, apart from the command: `store --help` and
// `store check` must not load the PostgreSQL client (the pg package) the command needs.

/** The usage line of `katar-sms store migrate`. */
export const MIGRATE_LINE = 'katar-sms store migrate [--from DIR] --to URL | --to-env VAR [--config FILE] [--json]';

/** What `katar-sms store --help` says of migrate: what it does, then its options. */
export const MIGRATE_HELP = {
  what: `migrate  (with the gateway stopped) copies the queue of a data directory into an empty
         PostgreSQL queue (docs/FLEET.md): live and finished tasks with their ids,
         idempotency keys, received SMS with their dedupe keys, sent parts waiting for
         status reports, the event log (new ids continue after the highest), webhook and
         MQTT cursors and dead letters. One transaction: it refuses a database that
         already holds tasks, received SMS or events, checks the counts of every kind
         before it commits, and writes nothing when they differ. The data directory is
         read, never changed: keep it as a backup.
         A lease of the stopped gateway's own modem workers ends as its restart would end
         it: the task goes back to the queue, or fails as "outcome unknown" when the modem
         may have sent it. A lease of a remote worker is kept.
`,
  options: `Options of migrate:
  --from DIR       the data directory (default $KATAR_DATA_DIR, else the config's
                   dataDir, else ./data)
  --to URL         the postgres:// url of the database
  --to-env VAR     the environment variable that holds the url, as the config's store.urlEnv
                   (the password stays off the command line and out of shell history)
  --config FILE    the gateway's config (default $KATAR_CONFIG): queue settings (attempts,
                   backoff, resendOnUnknownOutcome) and gatewayId, for the leases it ends
  --json           print the report as JSON
`,
};
