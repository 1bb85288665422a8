-- Custom SQL migration (drizzle-kit generate --custom): the PostgreSQL twin of SQLite's
-- 0005_ticket_counts_triggers. drizzle's schema language has no triggers. These keep
-- ticket_counts exact inside the statement that changes a ticket, whatever made the change (a
-- route on any node, a cascade from a deleted requester or staff member, the retention job).
CREATE FUNCTION ticket_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE ticket_counts SET n = n - 1
      WHERE status = OLD.status AND priority = OLD.priority AND assignee = coalesce(OLD.assignee_id, '');
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO ticket_counts (status, priority, assignee, n) VALUES (NEW.status, NEW.priority, coalesce(NEW.assignee_id, ''), 1)
      ON CONFLICT (status, priority, assignee) DO UPDATE SET n = ticket_counts.n + 1;
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER ticket_counts_after_insert_delete AFTER INSERT OR DELETE ON tickets
  FOR EACH ROW EXECUTE FUNCTION ticket_counts_apply();
--> statement-breakpoint
CREATE TRIGGER ticket_counts_after_update AFTER UPDATE OF status, priority, assignee_id ON tickets
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.priority IS DISTINCT FROM NEW.priority OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id)
  EXECUTE FUNCTION ticket_counts_apply();
--> statement-breakpoint
-- The tickets that exist already (a desk upgraded in place).
INSERT INTO ticket_counts (status, priority, assignee, n)
  SELECT status, priority, coalesce(assignee_id, ''), count(*) FROM tickets GROUP BY 1, 2, 3;
