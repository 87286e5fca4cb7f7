import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { useLiveEvents } from './hooks.js';
import { eventTask, mergeTask } from './task-merge.js';
import type { Task } from './types.js';
import { Badge, taskStatusLabel } from './ui.js';

/** One task's status and delivery, kept current from the live stream. */
export function TaskTracker({ initial }: { initial: Task }) {
  const [task, setTask] = useState(initial);
  useEffect(() => setTask(initial), [initial._id]);
  useLiveEvents((ev) => {
    const t = eventTask(ev);
    if (t && t._id === initial._id) setTask((old) => mergeTask(old, t));
  });
  // Events that came before this component listened are caught by one read.
  useEffect(() => {
    void api.task(initial._id).then((t) => setTask((old) => mergeTask(old, t)), () => undefined);
  }, [initial._id]);
  return (
    <p class="tracker" role="status" aria-live="polite">
      Status: <Badge value={taskStatusLabel(task)} />
      {task.delivery?.status && (
        <>
          {' '}
          · Delivery: <Badge value={task.delivery.status} />
        </>
      )}
      {task.error && <span class="muted"> — {task.error}</span>}
    </p>
  );
}
