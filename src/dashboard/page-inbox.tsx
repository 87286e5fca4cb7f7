import { api } from './api.js';
import { shortTime } from './format.js';
import { useLiveEvents, useLoad } from './hooks.js';
import { href } from './router.js';
import { conversations } from './threads.js';
import type { InboxEntry } from './types.js';
import { ErrorNote, Loading, Page } from './ui.js';

export function InboxPage() {
  const inbox = useLoad(() => api.inbox({ limit: 500 }), []);
  useLiveEvents((ev) => {
    if (ev.type !== 'sms.received') return;
    const m = ev.data as unknown as InboxEntry;
    inbox.setData((old) => old && (old.messages.some((x) => x._id === m._id) ? old : { ...old, messages: [m, ...old.messages] }));
  });
  const list = inbox.data && conversations(inbox.data.messages);
  return (
    <Page title="Inbox">
      <ErrorNote error={inbox.error} />
      {!list && !inbox.error && <Loading what="the inbox" />}
      {list && list.length === 0 && <p class="muted">No SMS received yet.</p>}
      {list && list.length > 0 && (
        <ul class="rows" aria-label="Conversations, newest first">
          {list.map((c) => (
            <li key={c.number} class="row-item">
              <a href={href('inbox', c.number)} class="row-link">
                <span class="row-main">
                  <strong>{c.number}</strong>
                  <span class="snippet">{c.last.msg}</span>
                </span>
                <span class="row-side">
                  <span class="muted">{c.count} received</span>
                  <time dateTime={c.last.receivedAt}>{shortTime(c.last.receivedAt)}</time>
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}
