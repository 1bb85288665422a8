// In-app navigation replaces the current history entry instead of pushing a new one, so the
// Back button and the history list do not keep a trail of which pages (tickets) were opened.
import { routeHref, type Route } from './router';

export function navigate(route: Route): void {
  location.replace(routeHref(route));
}

/** Turns clicks on in-app links into history-replacing navigation. */
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener('click', (ev) => {
    const target = ev.target instanceof Element ? ev.target.closest('a[href^="#/"]') : null;
    if (!target || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey) return;
    ev.preventDefault();
    location.replace(target.getAttribute('href') ?? '#/');
  });
}
