// Chunk-cipher thread bootstrap, plain JavaScript so that any parent can start it (the tsx CLI,
// vitest, the bench): it registers tsx's loader in this thread, then loads the worker.
import { register } from 'tsx/esm/api';

register();
await import('./chunk-cipher-worker.ts');
