import { useEffect } from 'preact/hooks';
import { api } from './api.js';
import { HourlyChart } from './bar-chart.js';
import { useDebounced, useLiveEvents, useLoad } from './hooks.js';
import { useIsAdmin } from './session.js';
import { fullTime } from './format.js';
import { SignalBars } from './signal-bars.js';
import type { Modem, WebhookState } from './types.js';
import { Ago, Badge, ErrorNote, Loading, Page } from './ui.js';

/** Signal readings change without events: modems are read again this often. */
const MODEM_REFRESH_MS = 15_000;

export function OverviewPage() {
  const isAdmin = useIsAdmin();
  const modems = useLoad(() => api.modems(), []);
  const health = useLoad(() => api.health(), []);
  const stats = useLoad(() => api.stats(24), []);
  const hooks = useLoad(() => (isAdmin ? api.webhooks() : Promise.resolve(undefined)), [isAdmin]);
  const refreshCounts = useDebounced(() => {
    health.reload();
    stats.reload();
  }, 500);
  useLiveEvents((ev) => {
    if (ev.type === 'modem.state') modems.reload();
    else refreshCounts();
  });
  useEffect(() => {
    const t = setInterval(() => modems.reload(), MODEM_REFRESH_MS);
    return () => clearInterval(t);
  }, []);

  const counts = health.data?.queues[api.queue];
  return (
    <Page title="Overview">
      <h2>Modems</h2>
      <ErrorNote error={modems.error} />
      {!modems.data && !modems.error && <Loading what="modems" />}
      {modems.data && modems.data.modems.length === 0 && <p class="muted">No modem on this gateway: sends go to remote workers.</p>}
      <div class="cards">
        {modems.data?.modems.map((m) => (
          <ModemCard key={m.name} modem={m} />
        ))}
      </div>

      <div class="two">
        <section aria-labelledby="depth-title">
          <h2 id="depth-title">Queue “{api.queue}”</h2>
          <ErrorNote error={health.error} />
          {counts && (
            <dl class="counts">
              {Object.entries(counts).map(([status, n]) => (
                <div key={status}>
                  <dt>{status}</dt>
                  <dd>{n}</dd>
                </div>
              ))}
            </dl>
          )}
        </section>
        <section aria-labelledby="chart-title">
          <h2 id="chart-title">Last 24 hours</h2>
          <ErrorNote error={stats.error} />
          {stats.data && <HourlyChart hours={stats.data.hours} />}
        </section>
      </div>

      <h2>Webhooks</h2>
      {isAdmin ? <WebhookHealth hooks={hooks.data?.webhooks} error={hooks.error} /> : <p class="muted">Webhook health needs an admin token.</p>}
    </Page>
  );
}

/**
 * The states in which the gateway samples a modem's signal, operator and registration;
 * in any other (unplugged, reconnecting, a SIM problem) /v1/modems leaves them out.
 */
const SAMPLED_STATES: ReadonlySet<string> = new Set(['ready', 'not-registered']);

function ModemCard({ modem: m }: { modem: Modem }) {
  const sampled = SAMPLED_STATES.has(m.state);
  return (
    <article class="card modem-card" aria-labelledby={`modem-${m.name}`}>
      <div class="card-head">
        <h3 id={`modem-${m.name}`}>{m.name}</h3>
        <Badge value={m.state} />
      </div>
      <dl class="facts">
        <div>
          <dt>Signal</dt>
          <dd>{sampled ? <SignalBars bars={m.signalBars} dbm={m.signalDbm} /> : <span class="muted">no signal while {m.state}</span>}</dd>
        </div>
        <div>
          <dt>Operator</dt>
          <dd>{m.operator ?? '–'}</dd>
        </div>
        <div>
          <dt>Registration</dt>
          <dd>{m.registration ?? '–'}</dd>
        </div>
        <div>
          <dt>SIM</dt>
          <dd>{m.simState ?? '–'}</dd>
        </div>
        {m.model && (
          <div>
            <dt>Model</dt>
            <dd>{m.model}</dd>
          </div>
        )}
        {m.since && (
          <div>
            <dt>{m.state === 'ready' ? 'Ready since' : 'Not ready since'}</dt>
            <dd>
              <Ago iso={m.since} />
            </dd>
          </div>
        )}
        {m.pauseReason && (
          <div>
            <dt>Sending paused</dt>
            <dd>
              {m.pauseDetail ?? m.pauseReason}
              {m.pausedUntil && <span class="muted"> until {fullTime(m.pausedUntil)}</span>}
            </dd>
          </div>
        )}
        {m.lastError && (
          <div>
            <dt>Last error</dt>
            <dd>
              {m.lastError} {m.lastErrorAt && <Ago iso={m.lastErrorAt} />}
            </dd>
          </div>
        )}
      </dl>
    </article>
  );
}

/** Whether a subscription needs a look: its last attempt failed, or it holds dead letters. */
export function webhookTrouble(w: WebhookState): string | undefined {
  const failing = w.lastErrorAt !== null && (w.lastSuccessAt === null || w.lastErrorAt > w.lastSuccessAt);
  if (w.deadLetters > 0 && failing) return `failing, ${w.deadLetters} dead letter${w.deadLetters === 1 ? '' : 's'}`;
  if (w.deadLetters > 0) return `${w.deadLetters} dead letter${w.deadLetters === 1 ? '' : 's'}`;
  if (failing) return 'failing';
  return undefined;
}

function WebhookHealth({ hooks, error }: { hooks: WebhookState[] | undefined; error: Error | undefined }) {
  if (error) return <ErrorNote error={error} />;
  if (!hooks) return <Loading what="webhooks" />;
  if (hooks.length === 0) return <p class="muted">No webhooks configured.</p>;
  const troubled = hooks.filter((w) => webhookTrouble(w));
  return (
    <div>
      <p>{troubled.length === 0 ? `All ${hooks.length} webhook${hooks.length === 1 ? '' : 's'} healthy.` : `${troubled.length} of ${hooks.length} webhooks need attention:`}</p>
      <ul class="plain">
        {troubled.map((w) => (
          <li key={w.name}>
            <a href="#/events">{w.name}</a>: {webhookTrouble(w)}
            {w.lastError && <span class="muted"> — {w.lastError}</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}
