// In-app navigation mostly replaces the current history entry instead of pushing a new one, so
// the Back button and the history list do not keep a trail of which pages (tickets) were opened.
// The public pages (start, new request, come back) are the exception: they name nothing about
// the person, and Back between them must work like steps, not throw the person off the desk.
import { parseRoute, routeHref, type Route } from './router';

const STEPS: ReadonlySet<Route['name']> = new Set(['landing', 'new', 'return']);

/** True when moving from the current page to `to` gets its own history entry. */
export function pushesHistory(from: Route, to: Route): boolean {
  return STEPS.has(from.name) && STEPS.has(to.name) && from.name !== to.name;
}

function go(href: string): void {
  if (pushesHistory(parseRoute(location.hash), parseRoute(href))) location.assign(href);
  else location.replace(href);
}

export function navigate(route: Route): void {
  go(routeHref(route));
}

/** Turns clicks on in-app links into history-replacing navigation. */
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener('click', (ev) => {
    const target = ev.target instanceof Element ? ev.target.closest('a[href^="#/"]') : null;
    if (!target || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey) return;
    ev.preventDefault();
    go(target.getAttribute('href') ?? '#/');
  });
}
