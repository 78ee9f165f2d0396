// The browser side of routing: moving to a screen and following the hash (route.ts is pure).
import { useEffect, useState } from 'react';

import { hrefOf, parseRoute, type Route } from './route';

export function navigate(route: Route): void {
  window.location.hash = hrefOf(route);
}

/**
 * Moves to a route in place of the current history entry (the queue's filters: Back leaves the queue, not each
 * filter), and tells `useRoute` as a hash change would: the URL stays the one source of the screen's state.
 */
export function replaceRoute(route: Route): void {
  const href = hrefOf(route);
  if (window.location.hash === href) return;
  window.history.replaceState(null, '', href);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => {
      setRoute(parseRoute(window.location.hash));
    };
    window.addEventListener('hashchange', onChange);
    return () => {
      window.removeEventListener('hashchange', onChange);
    };
  }, []);
  return route;
}
