import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Principal } from './types.js';

/** Who is looking: without tokens configured (authRequired false) everything is open. */
export interface Access {
  authRequired: boolean;
  principal: Principal | undefined;
}

export const AccessContext = createContext<Access>({ authRequired: false, principal: undefined });

/** True when admin-only parts may be shown: an admin, or a gateway without tokens. */
export function useIsAdmin(): boolean {
  const a = useContext(AccessContext);
  return !a.authRequired || a.principal?.role === 'admin';
}

const FLAG = 'katar-dashboard:inside';

/**
 * Whether the last visit of this browser was logged in (or needed no login): only then
 * does the app ask for the overview's data before the session answers. Requests without
 * a session count as failed authentications on the server; those must not pile up.
 */
export function hadSession(): boolean {
  try {
    return localStorage.getItem(FLAG) === '1';
  } catch {
    return false;
  }
}

export function rememberSession(inside: boolean): void {
  try {
    if (inside) localStorage.setItem(FLAG, '1');
    else localStorage.removeItem(FLAG);
  } catch {
    // Storage refused (private mode): the app only starts a little later.
  }
}
