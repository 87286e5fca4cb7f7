import { useState } from 'preact/hooks';
import { api, ApiError } from './api.js';
import { shortTime } from './format.js';
import { useLiveEvents, useLoad } from './hooks.js';
import { href } from './router.js';
import { eventTask, mergeTask } from './task-merge.js';
import { TASK_STATUSES, type Task, type TaskStatus } from './types.js';
import { Badge, ErrorNote, Field, Loading, Page, taskStatusLabel } from './ui.js';

interface Listing {
  tasks: Task[];
  next: string | undefined;
}

/** Sent tasks, newest first, filtered by status and number, a page at a time. */
export function MessagesPage() {
  const [status, setStatus] = useState<TaskStatus | ''>('');
  const [number, setNumber] = useState('');
  const [search, setSearch] = useState('');
  const [older, setOlder] = useState<unknown>(undefined);
  const list = useLoad<Listing>(async () => {
    const page = await api.tasks({ status, to: search });
    return { tasks: page.tasks, next: page.next };
  }, [status, search]);

  useLiveEvents((ev) => {
    const t = eventTask(ev);
    if (!t) return;
    list.setData((old) => {
      if (!old) return old;
      const i = old.tasks.findIndex((x) => x._id === t._id);
      if (i >= 0) {
        const tasks = old.tasks.slice();
        tasks[i] = mergeTask(tasks[i]!, t);
        return { ...old, tasks };
      }
      // A new task goes on top when it passes the filters.
      const matches = ev.type === 'sms.queued' && (!status || t.status === status) && (!search || t.data.to.includes(search));
      return matches ? { ...old, tasks: [t, ...old.tasks] } : old;
    });
  });

  const loadOlder = async (): Promise<void> => {
    if (!list.data?.next) return;
    try {
      const page = await api.tasks({ status, to: search, cursor: list.data.next });
      list.setData((old) => old && { tasks: [...old.tasks, ...page.tasks.filter((t) => !old.tasks.some((o) => o._id === t._id))], next: page.next });
      setOlder(undefined);
    } catch (err) {
      setOlder(err);
    }
  };

  return (
    <Page title="Messages">
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          // Numbers are searched as digits: "+61 404-341 143" finds +61404341143.
          setSearch(number.replace(/[\s\-().]/g, ''));
        }}
      >
        <Field id="filter-status" label="Status">
          {(aria) => (
            <select {...aria} value={status} onChange={(e) => setStatus(e.currentTarget.value as TaskStatus | '')}>
              <option value="">all</option>
              {TASK_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="filter-to" label="Number" error={list.error instanceof ApiError && list.error.field === 'to' ? list.error.message : undefined}>
          {(aria) => <input {...aria} type="search" inputMode="tel" value={number} onInput={(e) => setNumber(e.currentTarget.value)} />}
        </Field>
        <button type="submit">Search</button>
      </form>
      {!(list.error instanceof ApiError && list.error.field === 'to') && <ErrorNote error={list.error} />}
      {!list.data && !list.error && <Loading what="messages" />}
      {list.data && list.data.tasks.length === 0 && <p class="muted">No messages{status || search ? ' match' : ' yet'}.</p>}
      {list.data && list.data.tasks.length > 0 && (
        <ul class="rows" aria-label="Messages, newest first">
          {list.data.tasks.map((t) => (
            <li key={t._id} class="row-item">
              <a href={href('messages', t._id)} class="row-link">
                <span class="row-main">
                  <strong>{t.data.to}</strong>
                  <span class="snippet">{t.data.msg}</span>
                </span>
                <span class="row-side">
                  <Badge value={taskStatusLabel(t)} />
                  {t.delivery?.status && <Badge value={t.delivery.status} />}
                  <time dateTime={t.createdAt}>{shortTime(t.createdAt)}</time>
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
      <ErrorNote error={older} />
      {list.data?.next && (
        <button type="button" class="secondary" onClick={() => void loadOlder()}>
          Older
        </button>
      )}
    </Page>
  );
}
