import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Registers every `<dir>/<name>/index.ts` (default-exported plugin) inside the calling resource
 * plugin, without an extra prefix: a sub-plugin declares its paths relative to the resource
 * (`/tickets`, `/rotation`), and sees the resource's decorators (e.g. `requireAdmitted`).
 * Lets other rooms add `staff/tickets/` or `admin/rotation/` without editing the parent file.
 */
export async function registerSubRoutes(app: FastifyInstance, dirUrl: string): Promise<void> {
  const dir = fileURLToPath(new URL('.', dirUrl));
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'index.ts')))
    .map((d) => d.name)
    .sort();
  for (const name of names) {
    const mod = (await import(pathToFileURL(join(dir, name, 'index.ts')).href)) as { default?: FastifyPluginAsync };
    if (typeof mod.default !== 'function') throw new Error(`${name}/index.ts must default-export a Fastify plugin`);
    await app.register(mod.default);
  }
}
