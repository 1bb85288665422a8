// The SQLite schema (db/schema/, the reference) and its PostgreSQL twin (db/schema-pg/) must stay
// in step: the same tables, columns, keys, indexes and constraints, and the same TypeScript row
// types, so that one service layer runs on either database. Compared twice: the live catalogs of
// a fresh SQLite file and a fresh PostgreSQL database migrated from the committed migrations (what
// an operator's desk really has), and the drizzle table objects (what the services compile against).
import Database from 'better-sqlite3';
import { getTableColumns, getTableName, is, type InferInsertModel, type InferSelectModel, type Table } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../db/client';
import { openPgDb, type OpenedPgDb } from '../../db/pg';
import * as schema from '../../db/schema';
import * as pgSchema from '../../db/schema-pg';
import * as pgOnly from '../../db/schema-pg/shared-state';
import { testDatabase, type TestDatabase } from '../helpers/postgres';

// ---------------------------------------------------------------- the TypeScript level

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type TablesOf<S> = { [K in keyof S as S[K] extends Table ? K : never]: S[K] };
type SqliteTables = TablesOf<typeof schema>;
type PgTables = TablesOf<typeof pgSchema>;
/**
 * Same row types; same insert types except that PostgreSQL may require what SQLite fills in: a
 * SQLite INTEGER PRIMARY KEY is a rowid alias that takes the next rowid when omitted. No service
 * omits one (they set every such key), and a sequence would not imitate rowid semantics, so the
 * twin requires them; code that type-checks against PostgreSQL's insert types fits SQLite's.
 */
type SameRows = {
  [K in keyof SqliteTables]: K extends keyof PgTables
    ? Equal<InferSelectModel<SqliteTables[K]>, InferSelectModel<PgTables[K]>> extends true
      ? Equal<Required<InferInsertModel<SqliteTables[K]>>, Required<InferInsertModel<PgTables[K]>>> extends true
        ? InferInsertModel<PgTables[K]> extends InferInsertModel<SqliteTables[K]>
          ? true
          : false
        : false
      : false
    : false;
};
// Compile-time: `npm run typecheck` fails if any table's row or insert type differs, or if an
// export exists in one module only.
type Mismatched = { [K in keyof SameRows]: SameRows[K] extends true ? never : K }[keyof SameRows];
// The error names the table: "Type 'true' is not assignable to type '"staff"'".
const sameRows: [Mismatched] extends [never] ? true : Mismatched = true;
const sameExports: Equal<keyof typeof schema, keyof typeof pgSchema> = true;

/** Drizzle's run-time view of a column, with the dialect-specific kinds named alike. */
function columnShape(table: Table) {
  const columns = Object.values(getTableColumns(table));
  return Object.fromEntries(
    Object.entries(getTableColumns(table)).map(([key, c]) => [
      key,
      {
        name: c.name,
        // The bytea customType reports 'custom'; its data is a Buffer, like SQLite's blob.
        dataType: c.dataType === 'custom' && c.getSQLType() === 'bytea' ? 'buffer' : c.dataType,
        notNull: c.notNull,
        // The rowid alias (see SameRows): drizzle marks a lone SQLite INTEGER PRIMARY KEY as defaulted.
        hasDefault: c.hasDefault && !(is(table, SQLiteTable) && c.primary && c.dataType === 'number' && columns.filter((x) => x.primary).length === 1 && !isAutoIncrement(c)),
        primary: c.primary,
        enumValues: c.enumValues ?? null,
      },
    ]),
  );
}

const isAutoIncrement = (c: unknown) => (c as { autoIncrement?: boolean }).autoIncrement === true;

describe('db/schema and db/schema-pg as TypeScript', () => {
  it('type-check as the same rows (compile-time assertions above)', () => {
    expect([sameRows, sameExports]).toEqual([true, true]);
  });

  it('export the same names, tables for tables, with the same column keys, names, kinds and enums', () => {
    expect(Object.keys(pgSchema).sort()).toEqual(Object.keys(schema).sort());
    for (const [key, value] of Object.entries(schema)) {
      const twin = (pgSchema as Record<string, unknown>)[key];
      if (is(value, SQLiteTable)) {
        expect(is(twin, PgTable), `${key} is a PostgreSQL table`).toBe(true);
        const pgTable = twin as PgTable;
        expect(getTableName(pgTable)).toBe(getTableName(value));
        expect(columnShape(pgTable), key).toEqual(columnShape(value));
      } else {
        // The enum constants are re-exported, so both modules hold the very same arrays.
        expect(twin, key).toBe(value);
      }
    }
  });
});

// ---------------------------------------------------------------- the live catalogs

interface ColumnInfo {
  type: string;
  notNull: boolean;
  default: string | null;
  autoIncrement: boolean;
}
interface IndexInfo {
  unique: boolean;
  columns: string[];
  where: string | null;
}
interface TableInfo {
  columns: Record<string, ColumnInfo>;
  primaryKey: string[];
  indexes: Record<string, IndexInfo>;
  foreignKeys: string[];
  checks: Record<string, string>;
}
type Catalog = Record<string, TableInfo>;

/**
 * One spelling for an SQL expression from either catalog: PostgreSQL's deparser adds casts
 * ('team'::text) and parentheses, SQLite keeps the text drizzle-kit wrote with quoted,
 * table-qualified names. Dropping parentheses can hide a precedence difference; the expressions
 * are also written once per dialect in the schema files, side by side.
 */
function normaliseExpr(expr: string, table: string): string {
  return expr
    .toLowerCase()
    .replace(/::[a-z ]+/g, '')
    .replaceAll(`"${table}".`, '')
    .replaceAll(`${table}.`, '')
    .replace(/["`()\s]/g, '');
}

/** Columns whose drizzle kind is boolean (SQLite stores them as INTEGER 0/1). */
const BOOLEAN_COLUMNS = new Set(
  Object.values(schema)
    .filter((v) => is(v, SQLiteTable))
    .flatMap((t) =>
      Object.values(getTableColumns(t))
        .filter((c) => c.dataType === 'boolean')
        .map((c) => `${getTableName(t)}.${c.name}`),
    ),
);

const TYPE_NAMES: Record<string, string> = { integer: 'integer', bigint: 'integer', text: 'text', blob: 'bytes', bytea: 'bytes', boolean: 'boolean' };
function normaliseType(table: string, column: string, type: string): string {
  const t = type.toLowerCase();
  if (t === 'integer' && BOOLEAN_COLUMNS.has(`${table}.${column}`)) return 'boolean';
  return TYPE_NAMES[t] ?? `unmapped:${t}`;
}

const normaliseDefault = (d: string | null): string | null => (d === null ? null : d.replace(/::[a-z ]+$/, ''));

function sqliteCatalog(sqlite: Database.Database): Catalog {
  const catalog: Catalog = {};
  const tables = sqlite.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != '__drizzle_migrations'").all() as {
    name: string;
    sql: string;
  }[];
  for (const { name: table, sql: tableSql } of tables) {
    const cols = sqlite.pragma(`table_info("${table}")`) as { name: string; type: string; notnull: number; dflt_value: string | null; pk: number }[];
    const autoIncrement = /AUTOINCREMENT/i.test(tableSql);
    const indexes: Record<string, IndexInfo> = {};
    for (const ix of sqlite.pragma(`index_list("${table}")`) as { name: string; unique: number; origin: string; partial: number }[]) {
      if (ix.origin === 'pk') continue; // the primary key is compared as primaryKey
      const columns = (sqlite.pragma(`index_info("${ix.name}")`) as { seqno: number; name: string }[]).sort((a, b) => a.seqno - b.seqno).map((c) => c.name);
      const ixSql = (sqlite.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(ix.name) as { sql: string | null }).sql ?? '';
      const where = ix.partial ? ixSql.slice(ixSql.search(/\sWHERE\s/i) + 7) : null;
      indexes[ix.name] = { unique: ix.unique === 1, columns, where: where === null ? null : normaliseExpr(where, table) };
    }
    const fkRows = sqlite.pragma(`foreign_key_list("${table}")`) as { id: number; seq: number; table: string; from: string; to: string; on_delete: string }[];
    const fks = new Map<number, typeof fkRows>();
    for (const r of fkRows) fks.set(r.id, [...(fks.get(r.id) ?? []), r]);
    const checks: Record<string, string> = {};
    for (const m of tableSql.matchAll(/CONSTRAINT\s+"([^"]+)"\s+CHECK\s*\(/gi)) {
      // The check's expression: from its opening parenthesis to the matching close.
      let depth = 0;
      let end = m.index + m[0].length - 1;
      for (; end < tableSql.length; end++) {
        if (tableSql[end] === '(') depth++;
        if (tableSql[end] === ')' && --depth === 0) break;
      }
      checks[m[1]!] = normaliseExpr(tableSql.slice(m.index + m[0].length - 1, end + 1), table);
    }
    catalog[table] = {
      columns: Object.fromEntries(
        cols.map((c) => [
          c.name,
          {
            type: normaliseType(table, c.name, c.type),
            // A SQLite primary key column may hold NULL unless declared NOT NULL; drizzle-kit declares it.
            notNull: c.notnull === 1,
            default: normaliseDefault(c.dflt_value),
            autoIncrement: autoIncrement && c.pk > 0,
          },
        ]),
      ),
      primaryKey: cols
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
      indexes,
      foreignKeys: [...fks.values()]
        .map((rows) => rows.sort((a, b) => a.seq - b.seq))
        .map((rows) => `(${rows.map((r) => r.from).join(',')}) → ${rows[0]!.table}(${rows.map((r) => r.to).join(',')}) on delete ${rows[0]!.on_delete.toLowerCase()}`)
        .sort(),
      checks,
    };
  }
  return catalog;
}

const PG_ON_DELETE: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };

async function pgCatalog(pool: pg.Pool): Promise<Catalog> {
  const catalog: Catalog = {};
  const q = async <R extends object>(text: string, values: unknown[] = []) => (await pool.query<R>(text, values)).rows;
  const tables = await q<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'");
  for (const { table_name: table } of tables) {
    const cols = await q<{ column_name: string; data_type: string; is_nullable: string; column_default: string | null; is_identity: string }>(
      "SELECT column_name, data_type, is_nullable, column_default, is_identity FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
      [table],
    );
    const keyCols = (attnums: string) =>
      `(SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(${attnums}) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.n)`;
    const [pk] = await q<{ cols: string[] }>(
      `SELECT ${keyCols('x.conkey')} AS cols FROM pg_constraint x JOIN pg_class c ON c.oid = x.conrelid WHERE c.relname = $1 AND x.contype = 'p'`,
      [table],
    );
    const ixRows = await q<{ name: string; unique: boolean; cols: string[]; predicate: string | null }>(
      `SELECT i.relname AS name, x.indisunique AS unique, ${keyCols('x.indkey::int2[]')} AS cols, pg_get_expr(x.indpred, x.indrelid) AS predicate
         FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
        WHERE c.relname = $1 AND NOT x.indisprimary`,
      [table],
    );
    const fkRows = await q<{ cols: string[]; ref: string; refcols: string[]; ondelete: string }>(
      `SELECT ${keyCols('x.conkey')} AS cols, r.relname AS ref,
              (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(x.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = k.n) AS refcols,
              x.confdeltype AS ondelete
         FROM pg_constraint x JOIN pg_class c ON c.oid = x.conrelid JOIN pg_class r ON r.oid = x.confrelid
        WHERE c.relname = $1 AND x.contype = 'f'`,
      [table],
    );
    const checkRows = await q<{ name: string; def: string }>(
      "SELECT x.conname AS name, pg_get_constraintdef(x.oid) AS def FROM pg_constraint x JOIN pg_class c ON c.oid = x.conrelid WHERE c.relname = $1 AND x.contype = 'c'",
      [table],
    );
    catalog[table] = {
      columns: Object.fromEntries(
        cols.map((c) => [
          c.column_name,
          {
            type: normaliseType(table, c.column_name, c.data_type),
            notNull: c.is_nullable === 'NO',
            default: normaliseDefault(c.column_default),
            autoIncrement: c.is_identity === 'YES',
          },
        ]),
      ),
      primaryKey: pk?.cols ?? [],
      indexes: Object.fromEntries(ixRows.map((r) => [r.name, { unique: r.unique, columns: r.cols, where: r.predicate === null ? null : normaliseExpr(r.predicate, table) }])),
      foreignKeys: fkRows.map((r) => `(${r.cols.join(',')}) → ${r.ref}(${r.refcols.join(',')}) on delete ${PG_ON_DELETE[r.ondelete]}`).sort(),
      checks: Object.fromEntries(checkRows.map((r) => [r.name, normaliseExpr(r.def.replace(/^CHECK\s*/i, ''), table)])),
    };
  }
  return catalog;
}

/** Tables only PostgreSQL has: state several nodes share that one SQLite process keeps in memory. */
const PG_ONLY_TABLES = new Set<string>(Object.values(pgOnly).map((t) => getTableName(t)));

describe('the migrated SQLite and PostgreSQL catalogs', () => {
  let dir: string;
  let sqlite: Database.Database;
  let target: TestDatabase;
  let opened: OpenedPgDb;
  let pgCat: Catalog;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sealdesk-parity-'));
    sqlite = openDb(join(dir, 'desk.db')).sqlite;
    target = await testDatabase('empty');
    opened = await openPgDb(target.url);
    pgCat = await pgCatalog(opened.pool);
  });
  afterAll(async () => {
    sqlite?.close();
    rmSync(dir, { recursive: true, force: true });
    await opened?.close();
    await target?.drop();
  });

  it('hold the same tables, columns (type, nullability, default, identity), keys, indexes and checks', () => {
    const sqliteCat = sqliteCatalog(sqlite);
    const shared = Object.fromEntries(Object.entries(pgCat).filter(([t]) => !PG_ONLY_TABLES.has(t)));
    expect(Object.keys(sqliteCat).length).toBeGreaterThan(20);
    expect(shared).toEqual(sqliteCat);
    // Every PostgreSQL-only table is really there (and named in shared-state.ts, not by accident).
    for (const t of PG_ONLY_TABLES) expect(pgCat[t], t).toBeDefined();
  });

  it('tell a difference when there is one (an index PostgreSQL has and SQLite lacks)', async () => {
    await opened.pool.query("CREATE INDEX parity_probe_idx ON tickets (updated_at) WHERE status <> 'closed'");
    try {
      const probed = await pgCatalog(opened.pool);
      expect(probed.tickets!.indexes.parity_probe_idx).toEqual({ unique: false, columns: ['updated_at'], where: "status<>'closed'" });
      expect(probed.tickets).not.toEqual(sqliteCatalog(sqlite).tickets);
    } finally {
      await opened.pool.query('DROP INDEX parity_probe_idx');
    }
  });
});
