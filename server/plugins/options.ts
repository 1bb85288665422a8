import type { OpenedDb } from '../../db/client';
import type { OpenedPgDb } from '../../db/pg';
import type pg from 'pg';
import type { WriterThreadOptions } from '../services/writer-thread';
import type { KdfParams } from '../../protocol/index';
import type { Secrets } from './app/secrets';
import type { VerifyPoolOptions } from '../verify/pool';
import type { UnderPressureOptions } from './external/under-pressure';

/**
 * What buildApp hands to every plugin under plugins/external and plugins/app (autoload passes
 * one options object to a whole folder); each plugin reads only its own fields.
 */
export interface AppPluginOptions {
  secrets: Secrets;
  /** The SQLite database (the default); unset when the desk runs on PostgreSQL. */
  opened?: OpenedDb;
  /** The PostgreSQL database (SEALDESK_DATABASE_URL); unset on SQLite. */
  pg?: OpenedPgDb;
  /**
   * The PostgreSQL pool when the desk runs on PostgreSQL (db/pg.ts; unset on SQLite): the
   * rate-limit plugin counts in the table all nodes share.
   */
  pgPool?: pg.Pool;
  /** Close the database when the app closes (false when the caller owns it). */
  closeDbOnShutdown: boolean;
  /** Built SPA folder; default client/dist. */
  clientDist?: string;
  /** Overrides for @fastify/under-pressure (tests force the overloaded path). */
  underPressure?: UnderPressureOptions;
  /** Argon2id cost of stored authSecret hashes (BuildAppOptions.authHashKdf). */
  authHashKdf: KdfParams;
  /** Lightest Argon2id parameters an enrolment may carry (BuildAppOptions.staffKdfFloor). */
  staffKdfFloor: KdfParams;
  /** Size and queue bound of the signature verification pool (tests; default: defaults of verify/pool.ts). */
  verifyPool?: VerifyPoolOptions;
  /** The SQLite writer thread's queue bound (tests), or false to run its writes inline (services/writer-thread.ts). */
  writerThread?: WriterThreadOptions | false;
}
