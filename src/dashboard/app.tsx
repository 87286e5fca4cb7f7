import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, setCsrfToken, whenUnauthorized } from './api.js';
import { newestEventId } from './event-cursor.js';
import { live, type LiveState } from './live.js';
import { LoginPage } from './page-login.js';
import { Pages } from './pages.js';
import { useRoute } from './router.js';
import { AccessContext, rememberSession, type Access } from './session.js';
import { ErrorNote } from './ui.js';
import type { Principal } from './types.js';

type Phase = { kind: 'loading' } | { kind: 'login'; message?: string } | { kind: 'in'; access: Access } | { kind: 'broken'; error: unknown };

const NAV: Array<[string, string]> = [
  ['', 'Overview'],
  ['send', 'Send'],
  ['messages', 'Messages'],
  ['inbox', 'Inbox'],
  ['events', 'Events & webhooks'],
  ['system', 'System'],
];

/**
 * Starts the live stream once the gateway says where its event log stands, asking again
 * every 5 s; it stops asking when the stream was started meanwhile (a new login) or the
 * session is gone.
 */
async function startWhenAnswered(): Promise<void> {
  while (live.state === 'stopped') {
    try {
      return live.start(await newestEventId());
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
}

/** The shell: session first (login when a token is needed), then the navigation, the live stream and the page. */
export function App() {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });

  const enter = async (authRequired: boolean, principal: Principal | undefined, health = api.health()): Promise<void> => {
    // The queue the dashboard shows is the first one configured.
    const first = Object.keys((await health.catch(() => undefined))?.queues ?? {})[0];
    if (first) api.useQueue(first);
    rememberSession(true);
    // The stream starts where the log stands before any page reads its data: an event
    // between a page's read and the stream's start would otherwise be missed for good
    // (a status report arriving just then left a message "pending" on screen).
    // Not waited for long: a store that cannot answer (a fleet's database away) must not keep the pages from showing.
    const slow = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 2000));
    const after = await Promise.race([newestEventId().catch(() => undefined), slow]);
    if (after !== undefined) live.start(after);
    setPhase({ kind: 'in', access: { authRequired, principal } });
    if (after === undefined) void startWhenAnswered();
  };

  const begin = async (): Promise<void> => {
    try {
      // Asked together with the session: /healthz is open to all, and names the queues.
      const health = api.health();
      health.catch(() => undefined);
      const s = await api.session();
      setCsrfToken(s.csrfToken);
      if (s.principal) return await enter(s.authRequired !== false, s.principal, health);
      if (s.authRequired === false) return await enter(false, undefined, health);
      rememberSession(false);
      setPhase({ kind: 'login' });
    } catch (error) {
      setPhase({ kind: 'broken', error });
    }
  };

  useEffect(() => {
    whenUnauthorized(() => {
      live.stop();
      setCsrfToken(undefined);
      rememberSession(false);
      setPhase({ kind: 'login', message: 'Your session has ended. Log in again.' });
    });
    void begin();
    return () => live.stop();
  }, []);

  if (phase.kind === 'loading') return <p class="muted boot">Loading katar-sms…</p>;
  if (phase.kind === 'broken')
    return (
      <main class="boot">
        <h1>katar-sms</h1>
        <ErrorNote error={phase.error} />
      </main>
    );
  if (phase.kind === 'login')
    return (
      <LoginPage
        message={phase.message}
        onLoggedIn={(principal, csrf) => {
          setCsrfToken(csrf);
          void enter(true, principal);
        }}
      />
    );

  const logout = async (): Promise<void> => {
    try {
      await api.logout();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) throw err;
    }
    live.stop();
    setCsrfToken(undefined);
    rememberSession(false);
    setPhase({ kind: 'login' });
  };

  return (
    <AccessContext.Provider value={phase.access}>
      <Shell access={phase.access} onLogout={phase.access.authRequired ? logout : undefined} />
    </AccessContext.Provider>
  );
}

function Shell({ access, onLogout }: { access: Access; onLogout: (() => Promise<void>) | undefined }) {
  const route = useRoute();
  const [state, setState] = useState<LiveState>(live.state);
  useEffect(() => live.onState(setState), []);
  const here = route[0] ?? '';
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('page-title')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">katar-sms</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([path, label]) => (
              <li key={path}>
                <a href={`#/${path}`} aria-current={here === path ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          {access.authRequired && access.principal && (
            <span>
              {access.principal.name} <span class="muted">({access.principal.role})</span>
            </span>
          )}
          {onLogout && (
            <button type="button" class="secondary" onClick={() => void onLogout()}>
              Log out
            </button>
          )}
        </div>
      </header>
      <div role="status" class={state === 'reconnecting' ? 'banner' : 'banner banner-hidden'}>
        {state === 'reconnecting' ? 'Reconnecting… live updates are paused and resume where they stopped.' : ''}
      </div>
      <main id="main">
        <Pages route={route} />
      </main>
    </>
  );
}
