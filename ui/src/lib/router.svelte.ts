// The current hash route as reactive state. Links are plain `href="#/…"`; code that
// changes a view's filters calls `navigate(…, { replace: true })` so typing in a search
// field does not fill the back history.
import { formatHash, parseHash, type Route } from './route';

export class Router {
  route = $state<Route>(parseHash(typeof location === 'undefined' ? '' : location.hash));

  constructor() {
    if (typeof window !== 'undefined') {
      window.addEventListener('hashchange', () => (this.route = parseHash(location.hash)));
    }
  }

  get path(): string[] {
    return this.route.path;
  }

  navigate(hash: string, { replace = false }: { replace?: boolean } = {}): void {
    if (replace) history.replaceState(history.state, '', hash);
    else if (location.hash !== hash) history.pushState(history.state, '', hash);
    this.route = parseHash(hash);
  }

  go(path: string[], params?: URLSearchParams, options?: { replace?: boolean }): void {
    this.navigate(formatHash(path, params), options);
  }
}
