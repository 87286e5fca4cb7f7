import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AppendLog } from './append-log.js';
import { syncDirectory } from './durable-json-file.js';

/** Bytes a rewrite buffers before it writes them out. */
const FLUSH_BYTES = 1 << 20;

/**
 * Writes rewrite `epoch` of the append file `file`: a header record `{"epoch":E}`, then
 * whatever `fill` appends (flushed a megabyte at a time), into `.<file>.compact`, which is
 * fsynced and renamed over the file, and the directory fsynced. Returns the new file, open
 * at its end. On an error the temporary file goes and the old file stays as it was.
 */
export async function rewriteLog(dir: string, file: string, epoch: number, fill: (append: (value: unknown) => Promise<{ offset: number; length: number }>) => Promise<void>): Promise<AppendLog> {
  const tmpPath = join(dir, `.${file}.compact`);
  await unlink(tmpPath).catch(() => undefined);
  const tmp = await AppendLog.open(tmpPath);
  try {
    tmp.append({ epoch });
    await fill(async (value) => {
      const pos = tmp.append(value);
      if (tmp.size - tmp.durable.bytes > FLUSH_BYTES) await tmp.flush();
      return pos;
    });
    await tmp.flush();
  } catch (err) {
    await tmp.close(false);
    await unlink(tmpPath).catch(() => undefined);
    throw err;
  }
  await tmp.close(false);
  await rename(tmpPath, join(dir, file));
  await syncDirectory(dir);
  return AppendLog.open(join(dir, file), tmp.durable);
}
