import { useState } from 'preact/hooks';
import { api, ApiError } from './api.js';
import type { Principal } from './types.js';
import { Field } from './ui.js';

/** A token in, a session cookie out; the server's refusal (a worker token, a wrong one) shown at the field. */
export function LoginPage({ message, onLoggedIn }: { message?: string | undefined; onLoggedIn: (p: Principal, csrf: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const s = await api.login(token.trim());
      onLoggedIn(s.principal, s.csrfToken);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'The gateway did not answer.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <h1>katar-sms</h1>
      <form onSubmit={(e) => void submit(e)} class="card">
        <h2>Log in</h2>
        {message && <p class="notice">{message}</p>}
        <Field id="login-token" label="Token" error={error} hint="A producer or admin token from the gateway's config (katar-sms token --role producer).">
          {(aria) => <input {...aria} type="password" autoComplete="current-password" required value={token} onInput={(e) => setToken(e.currentTarget.value)} />}
        </Field>
        <button type="submit" disabled={busy}>
          Log in
        </button>
      </form>
    </main>
  );
}
