// Writer thread bootstrap, plain JavaScript so that any parent can start it (the tsx CLI in
// production, vitest in tests): it registers tsx's loader in this thread, then loads the worker.
import { register } from 'tsx/esm/api';

register();
await import('./writer-worker.ts');
