// Entry point: language, hash router, the frame, "Leave quickly", "Close my inbox", the staff
// idle lock, and what every page change does for people (title, focus, asking before unload).
import { html, render, type TemplateResult } from 'lit-html';
import { clearSession } from './api';
import { wipeWorker } from './crypto-client';
import { initI18n, t } from './i18n';
import { interceptLinks, leaveHistory, navigate } from './navigate';
import { isStaffRoute, parseRoute, type Route } from './router';
import { flash, onChange, resetState, state, update } from './store';
import { ensureTrusted, loadDesk } from './trust';
import { landingView, notFoundView } from './views/landing';
import { layout } from './views/layout';
import { enterNewRequest, hasUnsavedRequest, newRequestStep, newRequestView, resetNewRequest, restoreNewRequestStep } from './views/new-request';
import { closeInbox } from './views/requester-session';
import { resetReturn, returnView } from './views/return';
import { importVerified } from './lazy';
import type * as StaffPages from './views/staff/pages';
import { resetThreads, threadView } from './views/thread';
import { resetTickets, ticketsView } from './views/tickets';
import './style.css';

// Where "Leave quickly" goes. about:blank loads nothing from anywhere and leaves no trace of
// this site in the tab; leaveHistory walks back over the desk's own step entries and replaces
// the first, which keeps the desk out of the Back button.
const NEUTRAL_PAGE = 'about:blank';

const root = document.getElementById('app');
if (!root) throw new Error('missing #app');

// The staff and admin console is its own chunk, loaded with integrity the first time a staff
// page is opened: a requester's first visit never downloads it (docs/DECISIONS.md).
let staffPages: typeof StaffPages | null = null;
let staffPagesLoading = false;
let staffPagesFailed = false;

function loadStaffPages(): void {
  if (staffPagesLoading) return;
  staffPagesLoading = true;
  staffPagesFailed = false;
  importVerified('pages', () => import('./views/staff/pages')).then(
    (pages) => {
      if (leaving) return;
      staffPages = pages;
      pages.enterStaffPage(parseRoute(location.hash));
      update();
    },
    () => {
      staffPagesLoading = false;
      staffPagesFailed = true;
      update();
    },
  );
}

function staffPageView(route: StaffPages.StaffRoute): TemplateResult {
  if (staffPages) return staffPages.staffPageView(route);
  if (!staffPagesFailed) loadStaffPages();
  return staffPagesFailed
    ? html`<p class="alert alert-error" role="alert" data-test="staff-pages-failed">${t('common.pageLoadFailed')}</p>
        <button class="btn btn-secondary" type="button" data-test="staff-pages-retry" @click=${() => loadStaffPages()}>${t('common.retry')}</button>`
    : html`<p class="muted" role="status" data-test="staff-pages-loading">${t('common.pageLoading')}</p>`;
}

function view(route: Route): TemplateResult {
  switch (route.name) {
    case 'landing':
      return landingView();
    case 'new':
      return newRequestView();
    case 'return':
      return returnView();
    case 'tickets':
      return ticketsView();
    case 'ticket':
      return threadView(route.ticketId);
    case 'not-found':
      return notFoundView();
    default:
      return staffPageView(route);
  }
}

// Set by "Leave quickly": from then on nothing renders, routes or asks before unloading.
let leaving = false;

/**
 * SECURITY: "Leave quickly" must work from any state, synchronously: terminate the worker (its
 * keys go with it), drop the token and every decrypted string, then replace the page. It does
 * not wait for a logout request — the session expires on its own.
 */
function leaveQuickly(): void {
  // Set first: leaving must never be held up by the "unsaved request" question.
  leaving = true;
  wipeWorker();
  clearSession();
  resetState();
  resetNewRequest();
  resetReturn();
  resetThreads();
  resetTickets();
  staffPages?.resetStaffPages();
  render('', root as HTMLElement);
  leaveHistory(NEUTRAL_PAGE);
}

// A message to show on the page a navigation leads to (the hashchange handler clears flashes).
let flashOnArrival: string | null = null;

async function onCloseInbox(): Promise<void> {
  await closeInbox();
  resetTickets();
  resetNewRequest();
  resetReturn();
  resetThreads();
  if (parseRoute(location.hash).name === 'landing') flash('info', t('header.inboxClosed'));
  else {
    flashOnArrival = t('header.inboxClosed');
    navigate({ name: 'landing' });
  }
}

/**
 * The page title names the step, never its content. SECURITY: titles are kept in the browser's
 * history database on disk, so a decrypted subject must never become one.
 */
function pageTitle(route: Route): string {
  switch (route.name) {
    case 'landing':
      return t('app.name');
    case 'new':
      switch (newRequestStep()) {
        case 'form':
          return t('new.title');
        case 'passphrase':
          return t('passphrase.title');
        case 'confirm':
          return t('confirm.title');
        case 'sending':
          return t('sending.title');
        case 'done':
          return t('done.title');
      }
      break;
    case 'return':
      return t('return.title');
    case 'tickets':
      return t('tickets.title');
    case 'ticket':
      return t('thread.title');
    case 'not-found':
      return t('notFound.title');
    default:
      return staffPages ? staffPages.staffPageTitle(route) : t('app.name');
  }
  return t('app.name');
}

// What was on screen at the last render: a different page or step moves focus to its heading.
let shownPage: string | null = null;
let shownFlash: unknown = null;

/** After a render: name the page, move focus to a new step's heading or to a new error. */
function afterRender(route: Route): void {
  const title = pageTitle(route);
  document.title = route.name === 'landing' ? title : `${title} · ${t('app.name')}`;
  const page = `${route.name}:${route.name === 'new' ? newRequestStep() : location.hash}`;
  const first = shownPage === null;
  if (page !== shownPage) {
    shownPage = page;
    window.scrollTo(0, 0);
    // Not on the first render: a screen reader reads a freshly loaded page from the top anyway.
    const heading = first ? null : root?.querySelector<HTMLElement>('main h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
  }
  if (state.flash !== shownFlash) {
    shownFlash = state.flash;
    // An error appears where the person is looking: it takes the focus (and so the view).
    if (state.flash?.kind === 'error') root?.querySelector<HTMLElement>('[data-test="flash"]')?.focus();
  }
}

function renderApp(): void {
  // After "Leave quickly" nothing renders again (a late update must not bring the page back).
  if (leaving) return;
  const route = parseRoute(location.hash);
  const content = view(route);
  render(
    layout(content, {
      leave: leaveQuickly,
      lock: isStaffRoute(route) && state.staff && staffPages ? () => void staffPages?.lockStaffConsole() : null,
      closeInbox: state.requester && !isStaffRoute(route) ? () => void onCloseInbox() : null,
    }),
    root as HTMLElement,
  );
  afterRender(route);
}

async function boot(): Promise<void> {
  await initI18n();
  onChange(renderApp);
  interceptLinks(root as HTMLElement);
  window.addEventListener('hashchange', () => {
    if (leaving) return;
    state.flash = flashOnArrival === null ? null : { kind: 'info', text: flashOnArrival };
    flashOnArrival = null;
    const entered = parseRoute(location.hash);
    if (entered.name === 'new') enterNewRequest();
    // (Before the console is loaded there is nothing to refresh: it loads fresh.)
    staffPages?.enterStaffPage(entered);
    renderApp();
  });
  // Back/Forward between the steps of a new request (same address, the step is in the entry).
  window.addEventListener('popstate', (ev) => {
    if (leaving || parseRoute(location.hash).name !== 'new') return;
    restoreNewRequestStep(ev.state);
  });
  // SECURITY: drafts and passphrases live in memory only (nothing is stored to survive a
  // reload), so a reload, a closed tab or a mistyped address would silently lose them. The
  // browser asks first. "Leave quickly" never asks.
  window.addEventListener('beforeunload', (ev) => {
    if (leaving || !hasUnsavedRequest()) return;
    ev.preventDefault();
    ev.returnValue = '';
  });
  // Escape pressed twice quickly also leaves: faster than finding the button under stress.
  let lastEscape = 0;
  window.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    const now = Date.now();
    if (now - lastEscape < 600) leaveQuickly();
    lastEscape = now;
  });
  renderApp();
  try {
    await loadDesk();
    // Check the key log up front so a changed desk identity is shown before anyone types.
    if (state.desk?.setupComplete) await ensureTrusted();
  } catch {
    // The landing page says the fingerprint is unavailable; actions will report the error.
  }
  update();
}

void boot();
