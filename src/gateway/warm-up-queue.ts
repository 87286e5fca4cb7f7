import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileQueue } from '../queue/open-file-queue.js';
import type { QueueSettings } from '../queue/settings.js';
import { syncDirectory } from '../queue/store/durable-json-file.js';
import { SendIntake } from './send-intake.js';

/** The scratch SMS and the modem it is "sent" by; neither leaves the scratch queue. */
const WARM_UP_SMS = { to: '+61404341143', msg: 'warm-up' };
const WARM_UP_MODEM = 'warm-up:000000000000000';

/**
 * Runs one SMS through the whole life of a task on a scratch file queue in a temporary
 * directory, removed afterwards: intake, the durable add (the group commit's write,
 * fdatasync and commit record), the ready lane, the lease, the "submitting" mark, the
 * sent part in the delivery book, the worker's report and the task's move to history.
 * V8 compiles a function the first time it runs, and that path is a few hundred
 * functions: run first by the first real send, they cost it 2-4 ms on one core, several
 * times what the rest of a warm send costs. The code is shared by every queue, so the
 * gateway's own queue finds it compiled, and nothing of this run reaches its data
 * directory: no task, no event, nothing `store check` sees.
 *
 * The worker is a built-in one of this gateway (`builtin:<id>:warm-up`), so that the
 * paths taken are those of the gateway's modems. It costs a few small writes and
 * fsyncs in the temporary directory (about 20-50 ms of the start-up on this machine's disk).
 */
export async function warmQueuePath(intake: SendIntake, queue: string, settings: QueueSettings, gatewayId: string, isLocalWorker: (worker: string) => boolean): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'katar-warm-up-'));
  try {
    const q = await openFileQueue({ dataDir: dir, queues: { [queue]: settings }, isLocalWorker });
    try {
      const [added] = await new SendIntake(q, intake.rules).submit(queue, [WARM_UP_SMS], () => '');
      const worker = `builtin:${gatewayId}:warm-up`;
      const [t] = await q.lease(queue, worker, 1, settings.leaseMs);
      if (!added || !t) return;
      await q.markSubmitting(queue, worker, t._id);
      q.deliveries.sending(WARM_UP_MODEM);
      await q.deliveries.sent(queue, { taskId: t._id, index: 0, modem: WARM_UP_MODEM, reference: 0, recipient: t.data.to });
      q.deliveries.ended(WARM_UP_MODEM);
      await q.report(queue, worker, [{ _id: t._id, status: 'done' }]);
    } finally {
      await q.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    // The removal's metadata goes to disk now: left to the file system, it rode along
    // with the first real commit's fdatasync (one journal commit for everything pending).
    await syncDirectory(tmpdir()).catch(() => undefined);
  }
}
