// Hash routing: the server serves one index.html, and a hash never reaches the server or its
// logs, so a route like #/tickets/:id leaks nothing to the network.

const ID = /^[A-Za-z0-9_-]{22}$/;
// Invite/setup tokens are opaque to the client; accept only a URL-safe shape so nothing odd is
// ever echoed back into a request.
const TOKEN = /^[A-Za-z0-9_-]{16,256}$/;

export type Route =
  | { name: 'landing' }
  | { name: 'new' }
  | { name: 'return' }
  | { name: 'tickets' }
  | { name: 'ticket'; ticketId: string }
  | { name: 'setup'; token: string }
  | { name: 'activate'; token: string }
  | { name: 'staff-login' }
  | { name: 'staff-queue' }
  | { name: 'staff-two-factor' }
  | { name: 'staff-ticket'; ticketId: string }
  | { name: 'admin-staff' }
  | { name: 'admin-member'; staffId: string }
  | { name: 'admin-rotation' }
  | { name: 'admin-audit' }
  | { name: 'admin-policy' }
  | { name: 'not-found' };

/** Parses `location.hash` (with or without the leading '#') into a route. Never throws. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').split('?')[0] ?? '';
  const parts = path.split('/').filter((p) => p !== '');
  const [a, b, c, ...rest] = parts;
  if (rest.length > 0) return { name: 'not-found' };
  if (a === undefined) return { name: 'landing' };
  if (b === undefined) {
    if (a === 'new') return { name: 'new' };
    if (a === 'return') return { name: 'return' };
    if (a === 'tickets') return { name: 'tickets' };
    if (a === 'admin') return { name: 'admin-staff' };
    return { name: 'not-found' };
  }
  if (c === undefined) {
    if (a === 'tickets' && ID.test(b)) return { name: 'ticket', ticketId: b };
    if (a === 'setup' && TOKEN.test(b)) return { name: 'setup', token: b };
    if (a === 'activate' && TOKEN.test(b)) return { name: 'activate', token: b };
    if (a === 'staff' && b === 'login') return { name: 'staff-login' };
    if (a === 'staff' && b === 'queue') return { name: 'staff-queue' };
    if (a === 'staff' && b === 'two-factor') return { name: 'staff-two-factor' };
    if (a === 'admin' && b === 'rotation') return { name: 'admin-rotation' };
    if (a === 'admin' && b === 'audit') return { name: 'admin-audit' };
    if (a === 'admin' && b === 'policy') return { name: 'admin-policy' };
    return { name: 'not-found' };
  }
  if (a === 'staff' && b === 'tickets' && ID.test(c)) return { name: 'staff-ticket', ticketId: c };
  if (a === 'admin' && b === 'staff' && ID.test(c)) return { name: 'admin-member', staffId: c };
  return { name: 'not-found' };
}

/** The inverse of parseRoute, for links and navigation. */
export function routeHref(route: Route): string {
  switch (route.name) {
    case 'landing':
      return '#/';
    case 'new':
      return '#/new';
    case 'return':
      return '#/return';
    case 'tickets':
      return '#/tickets';
    case 'ticket':
      return `#/tickets/${route.ticketId}`;
    case 'setup':
      return `#/setup/${route.token}`;
    case 'activate':
      // The link an admin sends an invited member (`cli invite` prints it).
      return `#/activate/${route.token}`;
    case 'staff-login':
      return '#/staff/login';
    case 'staff-queue':
      return '#/staff/queue';
    case 'staff-two-factor':
      return '#/staff/two-factor';
    case 'staff-ticket':
      return `#/staff/tickets/${route.ticketId}`;
    case 'admin-staff':
      return '#/admin';
    case 'admin-member':
      return `#/admin/staff/${route.staffId}`;
    case 'admin-rotation':
      return '#/admin/rotation';
    case 'admin-audit':
      return '#/admin/audit';
    case 'admin-policy':
      return '#/admin/policy';
    case 'not-found':
      return '#/';
  }
}

export function isStaffRoute(route: Route): boolean {
  return route.name === 'staff-login' || route.name === 'staff-queue' || route.name === 'staff-two-factor' || route.name === 'staff-ticket' || isAdminRoute(route);
}

/** The admin console's pages (shown only to an admin the verified key log lists). */
export function isAdminRoute(route: Route): boolean {
  return route.name.startsWith('admin-');
}
