// The one way an admin page holds what it read from the server (the audit chain, the desk
// policy, the team roster): fetched by the first render that needs it, fetched again after
// refresh(), forgotten by reset() at sign-out. A failure is said in one sentence and leaves a
// Retry button, never a loading line that does not end.
import { html, type TemplateResult } from 'lit-html';
import { describeError } from '../../errors';
import { t } from '../../i18n';
import { flash, update } from '../../store';

export interface Loaded<T> {
  /** What the last load returned; null before it has, after a failure, refresh() or reset(). */
  readonly value: T | null;
  /** Replaces the value with what a write on this page answered. */
  set(value: T): void;
  /** Loads again on the next ensure() (entering the page, a change made on another page). */
  refresh(): void;
  /** Forgets the value (sign-out). */
  reset(): void;
  /** Fetches now and draws the page again once it has the answer or the failure. */
  load(): Promise<void>;
  /** Starts a load unless there is a value, one is under way, or the last one failed. */
  ensure(): void;
  /** `content` of the value; before there is one, the loading line or the Retry button. */
  render(content: (value: T) => TemplateResult, retryTest?: string): TemplateResult;
}

export function loaded<T>(fetch: () => Promise<T>): Loaded<T> {
  let value: T | null = null;
  let loading = false;
  let failed = false;
  // A load started before refresh() or reset() must not fill in the page after it: after a
  // sign-out the next member would see the previous one's data.
  let generation = 0;
  const forget = (): void => {
    generation++;
    value = null;
    loading = false;
    failed = false;
  };
  const self: Loaded<T> = {
    get value() {
      return value;
    },
    set: (next) => {
      value = next;
    },
    refresh: forget,
    reset: forget,
    load: async () => {
      const mine = ++generation;
      loading = true;
      try {
        const next = await fetch();
        if (mine !== generation) return;
        value = next;
        failed = false;
      } catch (err) {
        if (mine !== generation) return;
        failed = true;
        flash('error', describeError(err));
      } finally {
        if (mine === generation) loading = false;
        update();
      }
    },
    ensure: () => {
      if (value === null && !loading && !failed) void self.load();
    },
    render: (content, retryTest) =>
      value !== null
        ? content(value)
        : failed
          ? html`<button class="btn btn-secondary" type="button" data-test=${retryTest ?? 'admin-retry'} @click=${() => void self.load()}>${t('common.retry')}</button>`
          : html`<p class="muted">${t('admin.loading')}</p>`,
  };
  return self;
}
