// Hash routes: `#/today`, `#/order/<id>`, `#/orders?state=closed`. Pure parsing here; the
// reactive router that follows `location.hash` is in router.svelte.ts.

export interface Route {
  /** Path segments, e.g. `['order', '0193…']`; empty for the face's home screen. */
  path: string[];
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const pathPart = q < 0 ? raw : raw.slice(0, q);
  const query = q < 0 ? '' : raw.slice(q + 1);
  const path = pathPart
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { path, params: new URLSearchParams(query) };
}

export function formatHash(path: string[], params?: URLSearchParams): string {
  const query = params?.toString() ?? '';
  return `#/${path.map(encodeURIComponent).join('/')}${query ? `?${query}` : ''}`;
}

export function orderHash(id: string): string {
  return formatHash(['order', id]);
}
