import { useState } from 'preact/hooks';
import { api, ApiError } from './api.js';
import { newestEventId } from './event-cursor.js';
import { fullTime, shortTime } from './format.js';
import { useLiveEvents, useLoad } from './hooks.js';
import { live } from './live.js';
import { webhookTrouble } from './page-overview.js';
import { ScrollTable } from './scroll-table.js';
import { useIsAdmin } from './session.js';
import type { GatewayEvent, WebhookState } from './types.js';
import { Ago, Badge, ErrorNote, Loading, NeedsAdmin, Page } from './ui.js';

const RECENT = 50;

/** The last RECENT events, newest first. */
async function recentEvents(): Promise<GatewayEvent[]> {
  const newest = Math.max(live.lastId, await newestEventId());
  let after = Math.max(0, newest - RECENT);
  try {
    return (await api.events(after, RECENT)).events.reverse();
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 410 && typeof err.body?.oldest === 'number')) throw err;
    after = err.body.oldest - 1;
    return (await api.events(after, RECENT)).events.reverse();
  }
}

/** What an event is about, in a few words. */
function summary(ev: GatewayEvent): string {
  const d = ev.data as Record<string, unknown> & { data?: { to?: string }; from?: string; name?: string; state?: string; status?: string };
  if (ev.type === 'sms.received') return `from ${d.from ?? '?'}`;
  if (ev.type === 'modem.state') return `${d.name ?? ''} ${d.state ?? ''}`;
  return `to ${d.data?.to ?? '?'}${typeof d.reason === 'string' ? `: ${d.reason}` : ''}`;
}

export function EventsPage() {
  const isAdmin = useIsAdmin();
  const events = useLoad(recentEvents, []);
  useLiveEvents((ev) => events.setData((old) => old && (old.some((e) => e.id === ev.id) ? old : [ev, ...old].slice(0, 200))));
  return (
    <Page title="Events & webhooks">
      <h2>Webhooks</h2>
      {isAdmin ? <Webhooks /> : <NeedsAdmin what="Webhook administration" />}
      <h2>Recent events</h2>
      <ErrorNote error={events.error} />
      {!events.data && !events.error && <Loading what="events" />}
      {events.data && events.data.length === 0 && <p class="muted">No events yet.</p>}
      {events.data && events.data.length > 0 && (
        <ScrollTable label="Recent events">
          <table>
            <caption class="vh">Recent events, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">Time</th>
                <th scope="col">Type</th>
                <th scope="col">About</th>
              </tr>
            </thead>
            <tbody>
              {events.data.map((ev) => (
                <tr key={ev.id}>
                  <td>{ev.id}</td>
                  <td>
                    <time dateTime={ev.time} title={fullTime(ev.time)}>
                      {shortTime(ev.time)}
                    </time>
                  </td>
                  <td>{ev.type}</td>
                  <td>{summary(ev)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollTable>
      )}
    </Page>
  );
}

function Webhooks() {
  const hooks = useLoad(() => api.webhooks(), []);
  const [note, setNote] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const redeliver = async (w: WebhookState): Promise<void> => {
    try {
      const r = await api.redeliver(w.name);
      setNote(`${w.name}: redelivering ${r.redelivering} dead letter${r.redelivering === 1 ? '' : 's'}.`);
      setError(undefined);
      hooks.reload();
    } catch (err) {
      setError(err);
    }
  };
  const test = async (w: WebhookState): Promise<void> => {
    try {
      const r = await api.testWebhook(w.name);
      setNote(r.ok ? `${w.name}: the test event was answered ${r.status ?? ''} in ${Math.round(r.ms)} ms.` : `${w.name}: the test event failed: ${r.error ?? `HTTP ${r.status ?? '?'}`}.`);
      setError(undefined);
    } catch (err) {
      setError(err);
    }
  };
  if (hooks.error) return <ErrorNote error={hooks.error} />;
  if (!hooks.data) return <Loading what="webhooks" />;
  if (hooks.data.webhooks.length === 0) return <p class="muted">No webhooks configured.</p>;
  return (
    <>
      <p role="status">{note}</p>
      <ErrorNote error={error} />
      <div class="cards">
        {hooks.data.webhooks.map((w) => {
          const trouble = webhookTrouble(w);
          return (
            <article key={w.name} class="card" aria-labelledby={`hook-${w.name}`}>
              <div class="card-head">
                <h3 id={`hook-${w.name}`}>{w.name}</h3>
                <Badge value={trouble ? 'failing' : 'ok'} />
              </div>
              <p class="muted url">{w.url}</p>
              <dl class="facts">
                <div>
                  <dt>Events</dt>
                  <dd>{w.events.join(', ')}</dd>
                </div>
                <div>
                  <dt>Delivered</dt>
                  <dd>{w.delivered}</dd>
                </div>
                {w.claim === 'standby' && (
                  <div>
                    <dt>Delivered by</dt>
                    <dd>{w.deliveredBy ? `gateway ${w.deliveredBy} of the fleet` : 'another gateway of the fleet'} (this one stands by)</dd>
                  </div>
                )}
                <div>
                  <dt>Failed attempts</dt>
                  <dd>{w.failedAttempts}</dd>
                </div>
                <div>
                  <dt>Backlog</dt>
                  <dd>{w.backlog}</dd>
                </div>
                <div>
                  <dt>Dead letters</dt>
                  <dd>{w.deadLetters}</dd>
                </div>
                <div>
                  <dt>Last success</dt>
                  <dd>{w.lastSuccessAt ? <Ago iso={w.lastSuccessAt} /> : 'never'}</dd>
                </div>
                {w.lastError && (
                  <div>
                    <dt>Last error</dt>
                    <dd>
                      {w.lastError} {w.lastErrorAt && <Ago iso={w.lastErrorAt} />}
                    </dd>
                  </div>
                )}
              </dl>
              <div class="actions">
                {w.deadLetters > 0 && (
                  <button type="button" onClick={() => void redeliver(w)}>
                    Redeliver<span class="vh"> the dead letters of {w.name}</span>
                  </button>
                )}
                <button type="button" class="secondary" onClick={() => void test(w)}>
                  Send a test event<span class="vh"> to {w.name}</span>
                </button>
              </div>
            </article>
          );
        })}
      </div>
    </>
  );
}
