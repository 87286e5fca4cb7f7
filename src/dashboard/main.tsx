import { render } from 'preact';
import { prefetch } from './api.js';
import { App } from './app.js';
import { currentRoute } from './router.js';
import { hadSession } from './session.js';

// The overview's data, asked for while the app asks for its session, when the last
// visit ended inside (no session, such requests would count as failed logins).
if (currentRoute().length === 0 && hadSession()) prefetch('/v1/modems', '/v1/stats?hours=24');

render(<App />, document.getElementById('app')!);
