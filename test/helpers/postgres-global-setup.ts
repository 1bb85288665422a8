// vitest globalSetup: exactly one PostgreSQL cluster per `vitest run`, with a template database
// migrated once, so each test file's CREATE DATABASE … TEMPLATE is a file copy, not a migration.
import type { TestProject } from 'vitest/node';
import { openPgDb } from '../../db/pg';
import { MIGRATED_TEMPLATE, PG_URL_ENV, PG_URL_KEY, adminQuery, databaseUrl, startPgCluster } from './postgres';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startPgCluster();
  try {
    await adminQuery(cluster.url, `CREATE DATABASE ${MIGRATED_TEMPLATE}`);
    const template = await openPgDb(databaseUrl(cluster.url, MIGRATED_TEMPLATE), { poolSize: 1 });
    // A template must have no open connection while it is copied.
    await template.close();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  project.provide(PG_URL_KEY, cluster.url);
  process.env[PG_URL_ENV] = cluster.url;
  return () => cluster.stop();
}
