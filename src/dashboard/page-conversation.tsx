import { useState } from 'preact/hooks';
import { api, ApiError } from './api.js';
import { fullTime, shortTime } from './format.js';
import { useLiveEvents, useLoad } from './hooks.js';
import { href } from './router.js';
import { eventTask, mergeTask } from './task-merge.js';
import { thread } from './threads.js';
import type { InboxEntry } from './types.js';
import { Badge, ErrorNote, Field, Loading, Page, taskStatusLabel } from './ui.js';

export function ConversationPage({ number }: { number: string }) {
  const data = useLoad(async () => {
    const [inbox, tasks] = await Promise.all([api.inbox({ from: number, limit: 200 }), api.tasks({ to: number, limit: 200 })]);
    return { received: inbox.messages, sent: tasks.tasks };
  }, [number]);
  const [reply, setReply] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [formError, setFormError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  useLiveEvents((ev) => {
    if (ev.type === 'sms.received') {
      const m = ev.data as unknown as InboxEntry;
      if (m.from !== number) return;
      data.setData((old) => old && (old.received.some((x) => x._id === m._id) ? old : { ...old, received: [m, ...old.received] }));
      return;
    }
    const t = eventTask(ev);
    if (!t || t.data.to !== number) return;
    data.setData((old) => {
      if (!old) return old;
      const i = old.sent.findIndex((x) => x._id === t._id);
      const sent = old.sent.slice();
      if (i >= 0) sent[i] = mergeTask(sent[i]!, t);
      else sent.unshift(t);
      return { ...old, sent };
    });
  });

  const send = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setFormError(undefined);
    try {
      const task = await api.send({ to: number, msg: reply });
      data.setData((old) => old && (old.sent.some((x) => x._id === task._id) ? old : { ...old, sent: [task, ...old.sent] }));
      setReply('');
      setError(undefined);
    } catch (err) {
      if (err instanceof ApiError && err.field === 'msg') setError(err.message);
      else setFormError(err);
    } finally {
      setBusy(false);
    }
  };

  const items = data.data && thread(data.data.received, data.data.sent);
  return (
    <Page title={number} actions={<a href="#/inbox">All conversations</a>}>
      <ErrorNote error={data.error} />
      {!items && !data.error && <Loading what="the conversation" />}
      {items && items.length === 0 && <p class="muted">Nothing exchanged with {number} yet.</p>}
      {items && (
        <ol class="thread" aria-label={`Messages with ${number}, oldest first`}>
          {items.map((it) =>
            it.kind === 'in' ? (
              <li key={`in-${it.sms._id}`} class="bubble bubble-in">
                <span class="bubble-who">Received</span>
                <p class="msg-text">{it.sms.msg}</p>
                <time dateTime={it.at} title={fullTime(it.at)}>
                  {shortTime(it.at)}
                </time>
              </li>
            ) : (
              <li key={`out-${it.task._id}`} class="bubble bubble-out">
                <span class="bubble-who">Sent</span>
                <p class="msg-text">{it.task.data.msg}</p>
                <a href={href('messages', it.task._id)}>
                  <time dateTime={it.at} title={fullTime(it.at)}>
                    {shortTime(it.at)}
                  </time>{' '}
                  <Badge value={taskStatusLabel(it.task)} />
                  {it.task.delivery?.status && <Badge value={it.task.delivery.status} />}
                </a>
              </li>
            ),
          )}
        </ol>
      )}
      <form class="card form" onSubmit={(e) => void send(e)}>
        <Field id="reply-msg" label="Message" error={error}>
          {(aria) => <textarea {...aria} rows={3} required value={reply} onInput={(e) => setReply(e.currentTarget.value)} />}
        </Field>
        <ErrorNote error={formError} />
        <button type="submit" disabled={busy}>
          Send reply
        </button>
      </form>
    </Page>
  );
}
