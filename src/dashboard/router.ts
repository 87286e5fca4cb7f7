import { useEffect, useState } from 'preact/hooks';

/** The page the hash names: `#/inbox/%2B6140...` → ['inbox', '+6140...']. */
export function currentRoute(): string[] {
  const path = location.hash.replace(/^#\/?/, '');
  return path === '' ? [] : path.split('/').map((p) => decodeURIComponent(p));
}

/** The current route, updated on every hash change. */
export function useRoute(): string[] {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const onChange = (): void => setRoute(currentRoute());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** A link target for a route: href('inbox', '+61400') → `#/inbox/%2B61400`. */
export function href(...parts: string[]): string {
  return `#/${parts.map((p) => encodeURIComponent(p)).join('/')}`;
}
