// The admin console's pages, as main.ts routes them; reset on lock and on "Leave quickly".
import type { TemplateResult } from 'lit-html';
import { t } from '../../i18n';
import type { Route } from '../../router';
import { adminAuditView, enterAdminAudit, resetAdminAudit } from './audit';
import { adminMemberView, enterAdminMember, resetAdminMember } from './member';
import { adminPolicyView, enterAdminPolicy, resetAdminPolicy } from './policy';
import { adminRotationView, enterAdminRotation, resetAdminRotation } from './rotation';
import { adminStaffView, refreshAdminStaff, resetAdminStaff } from './staff';

type AdminRoute = Extract<Route, { name: `admin-${string}` }>;

export function adminView(route: AdminRoute): TemplateResult {
  switch (route.name) {
    case 'admin-staff':
      return adminStaffView();
    case 'admin-member':
      return adminMemberView(route.staffId);
    case 'admin-rotation':
      return adminRotationView();
    case 'admin-audit':
      return adminAuditView();
    case 'admin-policy':
      return adminPolicyView();
  }
}

/** The page title names the page, never a member's name (titles are kept in the history database). */
export function adminTitle(route: AdminRoute): string {
  switch (route.name) {
    case 'admin-staff':
      return t('admin.staffTitle');
    case 'admin-member':
      return t('admin.memberTitle');
    case 'admin-rotation':
      return t('admin.rotationTitle');
    case 'admin-audit':
      return t('admin.auditTitle');
    case 'admin-policy':
      return t('admin.policyTitle');
  }
}

/** Entering a page asks the server again, so what is shown is the desk's current state. */
export function enterAdmin(route: AdminRoute): void {
  if (route.name === 'admin-staff') refreshAdminStaff();
  if (route.name === 'admin-member') enterAdminMember();
  if (route.name === 'admin-rotation') enterAdminRotation();
  if (route.name === 'admin-audit') enterAdminAudit();
  if (route.name === 'admin-policy') enterAdminPolicy();
}

export function resetAdmin(): void {
  resetAdminStaff();
  resetAdminMember();
  resetAdminRotation();
  resetAdminAudit();
  resetAdminPolicy();
}

export function isAdminRouteName(route: Route): route is AdminRoute {
  return route.name.startsWith('admin-');
}
