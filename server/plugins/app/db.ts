import fp from 'fastify-plugin';
import type { Db, OpenedDb, Sqlite } from '../../../db/client';
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

export interface DbPluginOptions {
  opened: OpenedDb;
  /** Close the database when the app closes (false when the caller owns it). */
  closeOnShutdown: boolean;
}

export default fp<DbPluginOptions>(
  async (app, opts) => {
    app.decorate('db', opts.opened.db);
    app.decorate('sqlite', opts.opened.sqlite);
    app.decorate('groupCommit', createGroupCommit(opts.opened.sqlite));
    if (opts.closeOnShutdown) {
      app.addHook('onClose', async () => {
        if (opts.opened.sqlite.open) opts.opened.sqlite.close();
      });
    }
  },
  { name: 'db' },
);
