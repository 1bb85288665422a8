// The staff and admin console as one lazily loaded chunk: main.ts imports this module only
// when someone opens a staff page (sign-in, invitation, setup, queue, ticket, admin), so a
// requester's first visit downloads none of it (docs/DECISIONS.md "Staff queue by last activity"
// and "Lazy staff console"). Everything main.ts needs from the console goes through here.
import type { TemplateResult } from 'lit-html';
import { t } from '../../i18n';
import { navigate } from '../../navigate';
import type { Route } from '../../router';
import { state } from '../../store';
import { adminTitle, adminView, enterAdmin, isAdminRouteName, resetAdmin } from '../admin';
import { activateView, resetActivation } from './activate';
import { startIdleLock } from './idle';
import { staffLoginView } from './login';
import { enterStaffQueue, resetQueue, staffQueueView } from './queue';
import { lockStaff } from './session';
import { resetSetup, setupView } from './setup';
import { enterStaffTicket, resetStaffTickets, staffTicketView } from './ticket';
import { resetTwoFactor, staffTwoFactorView } from './two-factor';

/** The routes this chunk draws: every one a requester never needs. */
export type StaffRoute = Extract<Route, { name: 'setup' | 'activate' | `staff-${string}` | `admin-${string}` }>;

export function staffPageView(route: StaffRoute): TemplateResult {
  switch (route.name) {
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
    default:
      return adminView(route);
  }
}

/** The page title names the page, never its content (titles are kept in the history database). */
export function staffPageTitle(route: StaffRoute): string {
  switch (route.name) {
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
    default:
      return adminTitle(route);
  }
}

/** Arriving on a page reloads what it shows (new tickets, counts, a changed thread). */
export function enterStaffPage(route: Route): void {
  if (route.name === 'staff-queue') enterStaffQueue();
  if (route.name === 'staff-ticket') enterStaffTicket(route.ticketId);
  if (isAdminRouteName(route)) enterAdmin(route);
}

/** SECURITY: drops every decrypted string and draft the console holds ("Leave quickly"). */
export function resetStaffPages(): void {
  resetQueue();
  resetStaffTickets();
  resetTwoFactor();
  resetAdmin();
  resetSetup();
  resetActivation();
}

/** Locks the console: the worker forgets the keys, the pages forget what they showed. */
export async function lockStaffConsole(): Promise<void> {
  await lockStaff();
  resetQueue();
  resetStaffTickets();
  resetTwoFactor();
  resetAdmin();
  navigate({ name: 'staff-login' });
}

// The idle lock watches from the moment the console exists: nobody can be signed in before.
startIdleLock(
  () => state.staff !== null,
  () => void lockStaffConsole(),
);
