// Page-side staff console data shared by the queue and the ticket view: the staff directory (from
// the VERIFIED key log, via the worker) and the decrypted label dictionary. Memory only; locking
// the console drops it with everything else.
import { staffCreateLabel, staffLabels, ApiError, type StaffTicket } from '../../api';
import { rpc } from '../../crypto-client';
import type { LabelName, StaffDirectoryEntry } from '../../rpc';

interface ConsoleData {
  directory: StaffDirectoryEntry[];
  labels: LabelName[];
  /** Dictionary entries that did not open under the current label key (e.g. mid-rotation). */
  unreadableLabels: number;
  /** False when labels cannot be used (no grant of the current team key). */
  labelsAvailable: boolean;
}

let data: ConsoleData | null = null;
let loading: Promise<ConsoleData> | null = null;

export function resetConsole(): void {
  data = null;
  loading = null;
}

export function consoleData(): ConsoleData | null {
  return data;
}

async function fetchLabels(): Promise<Pick<ConsoleData, 'labels' | 'unreadableLabels' | 'labelsAvailable'>> {
  try {
    const { labels: entries } = await staffLabels();
    const opened = await rpc('staffOpenLabels', { entries });
    return { labels: opened.labels, unreadableLabels: opened.unreadable, labelsAvailable: true };
  } catch {
    // Without the current team key there is no label key (or the dictionary is unreachable):
    // the console still works, labels are shown as unavailable.
    return { labels: [], unreadableLabels: 0, labelsAvailable: false };
  }
}

/** Loads the directory and the label dictionary once per unlocked session. */
export function loadConsoleData(force = false): Promise<ConsoleData> {
  if (data && !force) return Promise.resolve(data);
  loading ??= (async () => {
    const [{ staff }, labels] = await Promise.all([rpc('staffDirectory', {}), fetchLabels()]);
    data = { directory: staff, ...labels };
    return data;
  })().finally(() => {
    loading = null;
  });
  return loading;
}

export function staffName(staffId: string | null): string | null {
  if (staffId === null) return null;
  return data?.directory.find((s) => s.staffId === staffId)?.username ?? null;
}

export function labelName(tag: string): string | null {
  return data?.labels.find((l) => l.tag === tag)?.name ?? null;
}

/** Names of a ticket's tags; unknown tags (not in the dictionary we can read) are counted apart. */
export function ticketLabelNames(ticket: Pick<StaffTicket, 'labels'>): { names: string[]; unknown: number } {
  const names: string[] = [];
  let unknown = 0;
  for (const tag of ticket.labels) {
    const name = labelName(tag);
    if (name === null) unknown += 1;
    else names.push(name);
  }
  return { names: names.sort((a, b) => a.localeCompare(b)), unknown };
}

/**
 * Creates a label by name: sealed in the worker, posted to the dictionary unless it is already
 * there (same normalised name → same tag). Returns its tag.
 */
export async function createLabel(name: string): Promise<string> {
  const sealed = await rpc('staffSealLabel', { name });
  if (labelName(sealed.tag) === null) {
    try {
      await staffCreateLabel({ tag: sealed.tag, sealedName: sealed.sealedName });
    } catch (err) {
      // Someone else created the same name a moment ago: the tag is the same, so use it.
      if (!(err instanceof ApiError && err.status === 409)) throw err;
    }
    if (data && labelName(sealed.tag) === null) {
      data.labels = [...data.labels, { tag: sealed.tag, name: sealed.name }].sort((a, b) => a.name.localeCompare(b.name));
    }
  }
  return sealed.tag;
}
