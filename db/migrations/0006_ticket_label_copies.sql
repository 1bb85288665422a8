ALTER TABLE `ticket_labels` ADD `status` text DEFAULT 'new' NOT NULL;--> statement-breakpoint
ALTER TABLE `ticket_labels` ADD `priority` text DEFAULT 'normal' NOT NULL;--> statement-breakpoint
ALTER TABLE `ticket_labels` ADD `assignee_id` text;--> statement-breakpoint
ALTER TABLE `ticket_labels` ADD `updated_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `ticket_labels_tag_activity_idx` ON `ticket_labels` (`tag`,`updated_at`,`ticket_seq`);--> statement-breakpoint
CREATE INDEX `ticket_labels_tag_status_activity_idx` ON `ticket_labels` (`tag`,`status`,`updated_at`,`ticket_seq`);--> statement-breakpoint
CREATE INDEX `ticket_labels_tag_counts_idx` ON `ticket_labels` (`tag`,`status`,`priority`,`assignee_id`);