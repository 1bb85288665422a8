CREATE TABLE `label_key_wraps` (
	`team_key_version` integer PRIMARY KEY NOT NULL,
	`sealed` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`team_key_version`) REFERENCES `team_keys`(`version`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `rotation_skips` (
	`ticket_id` text NOT NULL,
	`key_kind` text NOT NULL,
	`team_key_version` integer NOT NULL,
	`reason` text NOT NULL,
	`skipped_by` text,
	`skipped_at` integer NOT NULL,
	PRIMARY KEY(`ticket_id`, `key_kind`, `team_key_version`),
	FOREIGN KEY (`team_key_version`) REFERENCES `team_keys`(`version`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`skipped_by`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "rotation_skips_owner" CHECK(("rotation_skips"."key_kind" = 'label') = ("rotation_skips"."ticket_id" = ''))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rotation_skips_label_once` ON `rotation_skips` (`team_key_version`) WHERE "rotation_skips"."key_kind" = 'label';--> statement-breakpoint
ALTER TABLE `staff` ADD `last_sign_in_day` text;