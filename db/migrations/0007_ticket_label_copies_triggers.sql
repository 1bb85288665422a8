-- Custom SQL migration (drizzle-kit generate --custom): drizzle's schema language has no
-- triggers. These keep ticket_labels' copies of the ticket's status, priority, assignee and last
-- activity (db/schema/labels.ts) equal to the ticket's, inside the statement that inserts the tag
-- or changes the ticket, whatever made the change: a route, the assignee set null by a deleted
-- staff member's foreign key, another connection. A label view then reads only the tag's index
-- entries (server/services/queue.ts, queue-counts.ts).
CREATE TRIGGER `ticket_labels_copy_after_insert` AFTER INSERT ON `ticket_labels` BEGIN
  UPDATE `ticket_labels` SET (`status`, `priority`, `assignee_id`, `updated_at`) =
      (SELECT `status`, `priority`, `assignee_id`, `updated_at` FROM `tickets` WHERE `seq` = new.`ticket_seq`)
    WHERE `ticket_seq` = new.`ticket_seq` AND `tag` = new.`tag`;
END;
--> statement-breakpoint
CREATE TRIGGER `ticket_labels_copy_after_ticket_update` AFTER UPDATE OF `status`, `priority`, `assignee_id`, `updated_at` ON `tickets`
  WHEN old.`status` IS NOT new.`status` OR old.`priority` IS NOT new.`priority` OR old.`assignee_id` IS NOT new.`assignee_id`
    OR old.`updated_at` IS NOT new.`updated_at` BEGIN
  UPDATE `ticket_labels` SET `status` = new.`status`, `priority` = new.`priority`, `assignee_id` = new.`assignee_id`, `updated_at` = new.`updated_at`
    WHERE `ticket_seq` = new.`seq`;
END;
--> statement-breakpoint
-- The tags that exist already (a desk upgraded in place).
UPDATE `ticket_labels` SET (`status`, `priority`, `assignee_id`, `updated_at`) =
  (SELECT `status`, `priority`, `assignee_id`, `updated_at` FROM `tickets` WHERE `seq` = `ticket_labels`.`ticket_seq`);
