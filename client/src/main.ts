// Entry point: language, hash router, the frame, "Leave quickly" and the staff idle lock.
import { render, type TemplateResult } from 'lit-html';
import { clearSession } from './api';
import { wipeWorker } from './crypto-client';
import { initI18n } from './i18n';
import { interceptLinks, navigate } from './navigate';
import { isStaffRoute, parseRoute, type Route } from './router';
import { onChange, resetState, state, update } from './store';
import { ensureTrusted, loadDesk } from './trust';
import { landingView, notFoundView } from './views/landing';
import { layout } from './views/layout';
import { enterNewRequest, newRequestView, resetNewRequest } from './views/new-request';
import { returnView } from './views/return';
import { enterStaffQueue, resetQueue, staffQueueView } from './views/staff/queue';
import { staffLoginView } from './views/staff/login';
import { startIdleLock } from './views/staff/idle';
import { lockStaff } from './views/staff/session';
import { activateView, resetActivation } from './views/staff/activate';
import { resetSetup, setupView } from './views/staff/setup';
import { enterStaffTicket, resetStaffTickets, staffTicketView } from './views/staff/ticket';
import { threadView } from './views/thread';
import { resetTickets, ticketsView } from './views/tickets';
import './style.css';

// Where "Leave quickly" goes. about:blank loads nothing from anywhere and leaves no trace of
// this site in the tab; location.replace keeps the desk out of the Back button.
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
    case 'staff-ticket':
      return staffTicketView(route.ticketId);
    case 'not-found':
      return notFoundView();
  }
}

/**
 * SECURITY: "Leave quickly" must work from any state, synchronously: terminate the worker (its
 * keys go with it), drop the token and every decrypted string, then replace the page. It does
 * not wait for a logout request — the session expires on its own.
 */
function leaveQuickly(): void {
  wipeWorker();
  clearSession();
  resetState();
  resetNewRequest();
  resetTickets();
  resetQueue();
  resetStaffTickets();
  resetSetup();
  resetActivation();
  render('', root as HTMLElement);
  location.replace(NEUTRAL_PAGE);
}

async function lock(): Promise<void> {
  await lockStaff();
  resetQueue();
  resetStaffTickets();
  navigate({ name: 'staff-login' });
}

function renderApp(): void {
  const route = parseRoute(location.hash);
  const content = view(route);
  render(
    layout(content, { leave: leaveQuickly, lock: isStaffRoute(route) && state.staff ? () => void lock() : null }),
    root as HTMLElement,
  );
}

async function boot(): Promise<void> {
  await initI18n();
  onChange(renderApp);
  interceptLinks(root as HTMLElement);
  window.addEventListener('hashchange', () => {
    state.flash = null;
    const entered = parseRoute(location.hash);
    if (entered.name === 'new') enterNewRequest();
    if (entered.name === 'staff-queue') enterStaffQueue();
    if (entered.name === 'staff-ticket') enterStaffTicket(entered.ticketId);
    window.scrollTo(0, 0);
    renderApp();
  });
  // Escape pressed twice quickly also leaves: faster than finding the button under stress.
  let lastEscape = 0;
  window.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    const now = Date.now();
    if (now - lastEscape < 600) leaveQuickly();
    lastEscape = now;
  });
  startIdleLock(() => state.staff !== null, () => void lock());
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
