// `npm run typecheck`: one tsc program per room, each with its own environment (DOM, Node or
// neither), so no room can use a global its runtime lacks. Fails if any program fails.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

// The root tsconfig.json checks everything with DOM and Node, and is the only program for test/,
// bench/ and the root config files. Largest programs first, so the cores finish together.
const PROJECTS = [
  'tsconfig.json',
  'server/tsconfig.json',
  'cli/tsconfig.json',
  'client/tsconfig.json',
  'client-core/tsconfig.json',
  'contract/tsconfig.json',
  'db/tsconfig.json',
  'protocol/tsconfig.json',
];

// A room whose tsconfig.json exists before its code does (another branch is creating it) would
// make tsc fail with "No inputs were found". It is skipped, and the skip is printed, never silent.
function hasTypeScript(project) {
  const room = dirname(project);
  if (room === '.' || !existsSync(join(ROOT, project))) return true; // a missing config fails in tsc
  return readdirSync(join(ROOT, room), { recursive: true }).some((f) => String(f).endsWith('.ts'));
}

function check(project) {
  return new Promise((resolve) => {
    const started = Date.now();
    const tsc = spawn(process.execPath, [TSC, '--noEmit', '-p', project], { cwd: ROOT });
    let output = '';
    tsc.stdout.on('data', (d) => (output += d));
    tsc.stderr.on('data', (d) => (output += d));
    tsc.on('close', (code) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`${code === 0 ? 'ok  ' : 'FAIL'} ${project} (${seconds}s)\n${output}`);
      resolve(code === 0);
    });
  });
}

const queue = PROJECTS.filter((p) => {
  if (hasTypeScript(p)) return true;
  process.stdout.write(`skip ${p}: no .ts files in ${dirname(p)}/ yet\n`);
  return false;
});
let failed = false;
// One tsc per core (each is single-threaded and needs up to ~650 MB).
async function worker() {
  for (let p = queue.shift(); p; p = queue.shift()) if (!(await check(p))) failed = true;
}
await Promise.all(Array.from({ length: Math.max(1, Math.min(availableParallelism(), 4)) }, worker));
process.exit(failed ? 1 : 0);
