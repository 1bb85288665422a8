// The staff console locks itself after 15 minutes without activity, so a laptop left open in a
// café does not keep the team key unlocked. Pure timing logic, kept apart so it can be tested.
export const IDLE_LOCK_MS = 15 * 60 * 1000;

export function isIdle(last: number, now: number, limit = IDLE_LOCK_MS): boolean {
  return now - last >= limit;
}

let lastActivity = Date.now();
let timer: ReturnType<typeof setInterval> | null = null;

function touch(): void {
  lastActivity = Date.now();
}

/** Starts the idle watch. Activity = any key, pointer, wheel or touch on the page. */
export function startIdleLock(isUnlocked: () => boolean, onLock: () => void): void {
  for (const ev of ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const) {
    window.addEventListener(ev, touch, { passive: true });
  }
  timer ??= setInterval(() => {
    if (isUnlocked() && isIdle(lastActivity, Date.now())) onLock();
  }, 15_000);
}
