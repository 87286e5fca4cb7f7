import { useEffect, useRef } from 'preact/hooks';
import { ConversationPage } from './page-conversation.js';
import { EventsPage } from './page-events.js';
import { InboxPage } from './page-inbox.js';
import { MessagesPage } from './page-messages.js';
import { OverviewPage } from './page-overview.js';
import { SendPage } from './page-send.js';
import { SystemPage } from './page-system.js';
import { TaskPage } from './page-task.js';
import { Page } from './ui.js';

const TITLES: Record<string, string> = { '': 'Overview', send: 'Send', messages: 'Messages', inbox: 'Inbox', events: 'Events & webhooks', system: 'System' };

/** The page of the route (hash routing: #/, #/send, #/messages/<id>, #/inbox/<number>, ...). */
export function Pages({ route }: { route: string[] }) {
  const [page = '', arg] = route;
  const first = useRef(true);
  useEffect(() => {
    document.title = `${TITLES[page] ?? 'Not found'} · katar-sms`;
    // After a navigation (not the first load) keyboard and screen reader users start at
    // the new page's heading, as they would after a page load.
    if (first.current) first.current = false;
    else document.getElementById('page-title')?.focus();
  }, [route.join('/')]);
  switch (page) {
    case '':
      return <OverviewPage />;
    case 'send':
      return <SendPage />;
    case 'messages':
      return arg ? <TaskPage key={arg} id={arg} /> : <MessagesPage />;
    case 'inbox':
      return arg ? <ConversationPage key={arg} number={arg} /> : <InboxPage />;
    case 'events':
      return <EventsPage />;
    case 'system':
      return <SystemPage />;
    default:
      return (
        <Page title="Not found">
          <p>
            There is no page here. <a href="#/">Go to the overview</a>.
          </p>
        </Page>
      );
  }
}
