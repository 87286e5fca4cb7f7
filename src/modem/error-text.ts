/**
 * The one-line text of a thrown value, for a state detail or a report a person reads
 * (`open failed: ENOENT...`). Logs take the error itself, `log.warn({ err }, ...)`, so
 * pino's serializer keeps its code, cause and stack.
 */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
