// Entry point: language, hash router, the frame, "Leave quickly", "Close my inbox", the staff
// idle lock, and what every page change does for people (title, focus, asking before unload).
import { render, type TemplateResult } from 'lit-html';
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
import { enterStaffQueue, resetQueue, staffQueueView } from './views/staff/queue';
import { staffLoginView } from './views/staff/login';
import { resetTwoFactor, staffTwoFactorView } from './views/staff/two-factor';
import { startIdleLock } from './views/staff/idle';
import { lockStaff } from './views/staff/session';
import { activateView, resetActivation } from './views/staff/activate';
import { resetSetup, setupView } from './views/staff/setup';
import { enterStaffTicket, resetStaffTickets, staffTicketView } from './views/staff/ticket';
import { adminTitle, adminView, enterAdmin, isAdminRouteName, resetAdmin } from './views/admin';
import { resetThreads, threadView } from './views/thread';
import { resetTickets, ticketsView } from './views/tickets';
import './style.css';

// Where "Leave quickly" goes. about:blank loads nothing from anywhere and leaves no trace of
// this site in the tab; leaveHistory walks back over the desk's own step entries and replaces
// the first, which keeps the desk out of the Back button.
const NEUTRAL_PAGE = 'about:blank';

const root = document.getElementById('app');
if (!root) throw new Error('missing #app');

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
    case 'setup':
      return setupView(route.token);
    case 'activate':
      return activateView(route.token);
    case 'staff-login':
      return staffLoginView();
    case 'staff-queue':
      return staffQueueView();
    case 'staff-two-factor':
      return staffTwoFactorView();
    case 'staff-ticket':
      return staffTicketView(route.ticketId);
    case 'admin-staff':
    case 'admin-member':
    case 'admin-rotation':
    case 'admin-audit':
    case 'admin-policy':
      return adminView(route);
    case 'not-found':
      return notFoundView();
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
  resetQueue();
  resetStaffTickets();
  resetTwoFactor();
  resetAdmin();
  resetSetup();
  resetActivation();
  render('', root as HTMLElement);
  leaveHistory(NEUTRAL_PAGE);
}

async function lock(): Promise<void> {
  await lockStaff();
  resetQueue();
  resetStaffTickets();
  resetTwoFactor();
  resetAdmin();
  navigate({ name: 'staff-login' });
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
    case 'setup':
      return t('setup.title');
    case 'activate':
      return t('activate.title');
    case 'staff-login':
      return t('staff.loginTitle');
    case 'staff-queue':
      return t('staff.queueTitle');
    case 'staff-two-factor':
      return t('twoFactor.title');
    case 'staff-ticket':
      return t('thread.title');
    case 'admin-staff':
    case 'admin-member':
    case 'admin-rotation':
    case 'admin-audit':
    case 'admin-policy':
      return adminTitle(route);
    case 'not-found':
      return t('notFound.title');
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
      lock: isStaffRoute(route) && state.staff ? () => void lock() : null,
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
    if (entered.name === 'staff-queue') enterStaffQueue();
    if (entered.name === 'staff-ticket') enterStaffTicket(entered.ticketId);
    if (isAdminRouteName(entered)) enterAdmin(entered);
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
  startIdleLock(
    () => state.staff !== null,
    () => void lock(),
  );
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
