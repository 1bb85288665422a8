// In-app navigation mostly replaces the current history entry instead of pushing a new one, so
// the Back button and the history list do not keep a trail of which pages (tickets) were opened.
// The public pages (start, new request, come back) and the steps of a new request are the
// exception: they name nothing about the person, and Back between them must work like steps,
// not throw the person off the desk.
//
// SECURITY: every entry this page pushes records its depth (entries above the one the desk was
// opened in), so "Leave quickly" can walk back to that first entry and replace it: the desk then
// leaves no entry behind the Back button (see leaveHistory).
import { parseRoute, routeHref, type Route } from './router';

const STEPS: ReadonlySet<Route['name']> = new Set(['landing', 'new', 'return']);
const DEPTH = 'sealdeskDepth';

type EntryState = Record<string, unknown>;

/** True when moving from the current page to `to` gets its own history entry. */
export function pushesHistory(from: Route, to: Route): boolean {
  return STEPS.has(from.name) && STEPS.has(to.name) && from.name !== to.name;
}

function entryState(): EntryState {
  const s: unknown = history.state;
  return s !== null && typeof s === 'object' ? (s as EntryState) : {};
}

function depth(): number {
  const d = entryState()[DEPTH];
  return typeof d === 'number' && Number.isInteger(d) && d > 0 ? d : 0;
}

/** Pushes an entry (same address unless `href` is given) one deeper than the current one. */
export function pushEntry(state: EntryState, href?: string): void {
  history.pushState({ ...state, [DEPTH]: depth() + 1 }, '', href);
}

/** Replaces the current entry's own state, keeping its depth. */
export function replaceEntry(state: EntryState): void {
  history.replaceState({ ...state, [DEPTH]: depth() }, '');
}

/** The current entry's own state (what a view stored with pushEntry/replaceEntry). */
export function currentEntry(): EntryState {
  return entryState();
}

function go(href: string): void {
  if (href === location.hash) return;
  if (pushesHistory(parseRoute(location.hash), parseRoute(href))) pushEntry({}, href);
  // Replaced entries keep their depth, so "Leave quickly" still knows how far back to walk.
  else history.replaceState({ [DEPTH]: depth() }, '', href);
  // pushState and replaceState do not fire hashchange: tell the router, as a link would have.
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

export function navigate(route: Route): void {
  go(routeHref(route));
}

/** Turns clicks on in-app links into navigation by the rules above. */
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener('click', (ev) => {
    const target = ev.target instanceof Element ? ev.target.closest('a[href^="#/"]') : null;
    if (!target || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey) return;
    ev.preventDefault();
    go(target.getAttribute('href') ?? '#/');
  });
}

/**
 * Leaves the desk for `url` without leaving an entry behind the Back button: walks back to the
 * entry the desk was opened in (same-document, fast), then replaces it. The walk is bounded: if
 * the browser does not report it within a moment, the page is replaced where it is.
 */
export function leaveHistory(url: string): void {
  const steps = depth();
  if (steps === 0) {
    location.replace(url);
    return;
  }
  let done = false;
  const leave = (): void => {
    if (done) return;
    done = true;
    location.replace(url);
  };
  window.addEventListener('popstate', leave, { once: true });
  setTimeout(leave, 300);
  history.go(-steps);
}
