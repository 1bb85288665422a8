CREATE TABLE `ticket_counts` (
	`status` text NOT NULL,
	`priority` text NOT NULL,
	`assignee` text NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`status`, `priority`, `assignee`)
);
--> statement-breakpoint
CREATE INDEX `tickets_activity_idx` ON `tickets` (`updated_at`,`seq`);--> statement-breakpoint
CREATE INDEX `tickets_status_activity_idx` ON `tickets` (`status`,`updated_at`,`seq`);--> statement-breakpoint
CREATE INDEX `tickets_assignee_activity_idx` ON `tickets` (`assignee_id`,`updated_at`,`seq`);--> statement-breakpoint
CREATE INDEX `tickets_priority_activity_idx` ON `tickets` (`priority`,`updated_at`,`seq`);