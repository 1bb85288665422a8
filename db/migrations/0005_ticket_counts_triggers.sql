-- Custom SQL migration (drizzle-kit generate --custom): drizzle's schema language has no
-- triggers. These keep ticket_counts (db/schema/tickets.ts) exact inside the statement that
-- changes a ticket, whatever made the change: a route, a cascade from a deleted requester, the
-- retention job or another connection. The queue's counts read it (server/services/queue-counts.ts).
CREATE TRIGGER `ticket_counts_after_insert` AFTER INSERT ON `tickets` BEGIN
  INSERT INTO `ticket_counts` (`status`, `priority`, `assignee`, `n`) VALUES (new.`status`, new.`priority`, coalesce(new.`assignee_id`, ''), 1)
    ON CONFLICT (`status`, `priority`, `assignee`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `ticket_counts_after_delete` AFTER DELETE ON `tickets` BEGIN
  UPDATE `ticket_counts` SET `n` = `n` - 1
    WHERE `status` = old.`status` AND `priority` = old.`priority` AND `assignee` = coalesce(old.`assignee_id`, '');
END;
--> statement-breakpoint
CREATE TRIGGER `ticket_counts_after_update` AFTER UPDATE OF `status`, `priority`, `assignee_id` ON `tickets`
  WHEN old.`status` IS NOT new.`status` OR old.`priority` IS NOT new.`priority` OR old.`assignee_id` IS NOT new.`assignee_id` BEGIN
  UPDATE `ticket_counts` SET `n` = `n` - 1
    WHERE `status` = old.`status` AND `priority` = old.`priority` AND `assignee` = coalesce(old.`assignee_id`, '');
  INSERT INTO `ticket_counts` (`status`, `priority`, `assignee`, `n`) VALUES (new.`status`, new.`priority`, coalesce(new.`assignee_id`, ''), 1)
    ON CONFLICT (`status`, `priority`, `assignee`) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
-- The tickets that exist already (a desk upgraded in place).
INSERT INTO `ticket_counts` (`status`, `priority`, `assignee`, `n`)
  SELECT `status`, `priority`, coalesce(`assignee_id`, ''), count(*) FROM `tickets` GROUP BY 1, 2, 3;
