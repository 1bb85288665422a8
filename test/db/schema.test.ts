import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type OpenedDb } from '../../db/client';

let o: OpenedDb;
beforeEach(() => {
  o = openDb(':memory:');
  const run = (sql: string) => o.sqlite.prepare(sql).run();
  run("insert into requesters (id, box_pk, sign_pk, created_at) values ('req', 'bp', 'sp', 1)");
  run("insert into team_keys (version, box_pk, created_at) values (1, 'tpk', 1)");
  run("insert into tickets (id, requester_id, created_at, updated_at) values ('t1', 'req', 1, 1)");
});
afterEach(() => o.sqlite.close());

const run = (sql: string) => o.sqlite.prepare(sql).run();
const count = (table: string) => (o.sqlite.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;

describe('database schema', () => {
  it('refuses a second desk row', () => {
    run("insert into desk (id, desk_id, created_at) values (1, 'a', 1)");
    expect(() => run("insert into desk (id, desk_id, created_at) values (2, 'b', 1)")).toThrow(/CHECK/);
  });

  it('refuses a note key wrapped to the requester', () => {
    expect(() => run("insert into wraps (ticket_id, key_kind, recipient, sealed) values ('t1', 'note', 'requester', 's')")).toThrow(/CHECK/);
  });

  it('refuses a team wrap without a team key version', () => {
    expect(() => run("insert into wraps (ticket_id, key_kind, recipient, sealed) values ('t1', 'ticket', 'team', 's')")).toThrow(/CHECK/);
  });

  it('refuses a second requester wrap for the same ticket key', () => {
    run("insert into wraps (ticket_id, key_kind, recipient, sealed) values ('t1', 'ticket', 'requester', 's')");
    expect(() => run("insert into wraps (ticket_id, key_kind, recipient, sealed) values ('t1', 'ticket', 'requester', 's2')")).toThrow(/UNIQUE/);
  });

  it('refuses a duplicate message sequence number within a ticket', () => {
    const insert = (id: string) =>
      run(`insert into messages (id, ticket_id, seq, kind, author_type, nonce, ct, sig, created_at) values ('${id}', 't1', 1, 'message', 'requester', 'n', 'c', 's', 1)`);
    insert('m1');
    expect(() => insert('m2')).toThrow(/UNIQUE/);
  });

  it('deletes a ticket with its messages, wraps, labels and attachment chunks', () => {
    run("insert into messages (id, ticket_id, seq, kind, author_type, nonce, ct, sig, created_at) values ('m1', 't1', 1, 'message', 'requester', 'n', 'c', 's', 1)");
    run("insert into wraps (ticket_id, key_kind, recipient, team_key_version, sealed) values ('t1', 'ticket', 'team', 1, 's')");
    run("insert into ticket_labels (ticket_seq, tag) select seq, 'tag' from tickets where id = 't1'");
    run(
      "insert into attachments (id, ticket_id, uploader_type, meta, padded_size, chunk_bytes, chunk_count, created_at) values ('a1', 't1', 'requester', '{}', 65536, 65536, 1, 1)",
    );
    o.sqlite.prepare("insert into attachment_chunks (attachment_id, idx, data) values ('a1', 0, ?)").run(Buffer.from([1, 2, 3]));

    run("delete from tickets where id = 't1'");

    for (const table of ['messages', 'wraps', 'ticket_labels', 'attachments', 'attachment_chunks']) expect(count(table)).toBe(0);
  });

  it('unassigns tickets when the assignee row is deleted', () => {
    run(
      "insert into staff (id, username, role, kdf_salt, kdf_opslimit, kdf_memlimit, auth_hash, box_pk, sign_pk, key_blob, created_at, updated_at) values ('s1', 'ana', 'technician', 'salt', 3, 67108864, 'h', 'b', 's', '{}', 1, 1)",
    );
    run("update tickets set assignee_id = 's1' where id = 't1'");
    run("delete from staff where id = 's1'");
    expect(o.sqlite.prepare("select assignee_id from tickets where id = 't1'").get()).toEqual({ assignee_id: null });
  });

  it('refuses a ticket for an unknown requester', () => {
    expect(() => run("insert into tickets (id, requester_id, created_at, updated_at) values ('t2', 'nobody', 1, 1)")).toThrow(/FOREIGN KEY/);
  });
});
