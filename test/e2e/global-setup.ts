// One desk for the whole browser suite (vitest globalSetup): the setup CLI and a server start
// cost ~10-20 s each on a loaded 2-core machine. Each test uses its own browser contexts and its
// own request subjects, so tests do not see each other's state.
import type { TestProject } from 'vitest/node';
import { startDesk } from './desk';

declare module 'vitest' {
  export interface ProvidedContext {
    desk: { url: string; fingerprint: string; logFile: string };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // A low proof-of-work difficulty keeps the suite fast; the solve and the check still run.
  const desk = await startDesk({ env: { SEALDESK_POW_DIFFICULTY: '10' } });
  project.provide('desk', { url: desk.url, fingerprint: desk.fingerprint, logFile: desk.logFile });
  return () => desk.stop();
}
