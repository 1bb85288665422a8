import fp from 'fastify-plugin';
import type { Db, Sqlite } from '../../../db/client';
import type { AppPluginOptions } from '../options';
import { createGroupCommit, type GroupCommit } from '../../services/group-commit';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    /** The raw better-sqlite3 handle, for pragmas, backup and hand-tuned statements. */
    sqlite: Sqlite;
    /** Run a synchronous write in the next shared COMMIT; settles once it is durable. */
    groupCommit: GroupCommit;
  }
}

export default fp<Pick<AppPluginOptions, 'opened' | 'closeDbOnShutdown'>>(
  async (app, opts) => {
    app.decorate('db', opts.opened.db);
    app.decorate('sqlite', opts.opened.sqlite);
    app.decorate('groupCommit', createGroupCommit(opts.opened.sqlite));
    if (opts.closeDbOnShutdown) {
      app.addHook('onClose', async () => {
        if (opts.opened.sqlite.open) opts.opened.sqlite.close();
      });
    }
  },
  { name: 'db' },
);
