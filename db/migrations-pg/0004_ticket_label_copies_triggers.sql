-- Custom SQL migration (drizzle-kit generate --custom): the PostgreSQL twin of SQLite's
-- 0007_ticket_label_copies_triggers. These keep ticket_labels' copies of the ticket's status,
-- priority, assignee and last activity equal to the ticket's, inside the statement that inserts
-- the tag or changes the ticket (a route on any node, a staff member's deletion setting the
-- assignee null).
-- SECURITY (integrity, several nodes): the insert reads the ticket FOR SHARE, so a tag added
-- while another transaction changes the ticket waits for it and copies its committed values (or,
-- at SERIALIZABLE, fails and is retried); the update's copy is a fresh statement that sees every
-- committed tag. Neither can leave a stale copy behind, at any isolation level.
CREATE FUNCTION ticket_labels_copy_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT status, priority, assignee_id, updated_at INTO NEW.status, NEW.priority, NEW.assignee_id, NEW.updated_at
    FROM tickets WHERE seq = NEW.ticket_seq FOR SHARE;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER ticket_labels_copy_before_insert BEFORE INSERT ON ticket_labels
  FOR EACH ROW EXECUTE FUNCTION ticket_labels_copy_on_insert();
--> statement-breakpoint
CREATE FUNCTION ticket_labels_copy_on_ticket_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE ticket_labels SET status = NEW.status, priority = NEW.priority, assignee_id = NEW.assignee_id, updated_at = NEW.updated_at
    WHERE ticket_seq = NEW.seq;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER ticket_labels_copy_after_ticket_update AFTER UPDATE OF status, priority, assignee_id, updated_at ON tickets
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.priority IS DISTINCT FROM NEW.priority
    OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id OR OLD.updated_at IS DISTINCT FROM NEW.updated_at)
  EXECUTE FUNCTION ticket_labels_copy_on_ticket_update();
--> statement-breakpoint
-- The tags that exist already (a desk upgraded in place).
UPDATE ticket_labels l SET status = t.status, priority = t.priority, assignee_id = t.assignee_id, updated_at = t.updated_at
  FROM tickets t WHERE t.seq = l.ticket_seq;
