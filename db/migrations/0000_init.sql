CREATE TABLE `desk` (
	`id` integer PRIMARY KEY NOT NULL,
	`desk_id` text NOT NULL,
	`fingerprint` text,
	`setup_token_hash` text,
	`setup_token_expires_at` integer,
	`created_at` integer NOT NULL,
	CONSTRAINT "desk_single_row" CHECK("desk"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE `keylog_entries` (
	`seq` integer PRIMARY KEY NOT NULL,
	`hash` text NOT NULL,
	`type` text NOT NULL,
	`entry` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `keylog_entries_hash_unique` ON `keylog_entries` (`hash`);--> statement-breakpoint
CREATE TABLE `staff` (
	`id` text PRIMARY KEY NOT NULL,
	`username` text NOT NULL,
	`role` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`kdf_salt` text NOT NULL,
	`kdf_opslimit` integer NOT NULL,
	`kdf_memlimit` integer NOT NULL,
	`auth_hash` text NOT NULL,
	`box_pk` text NOT NULL,
	`sign_pk` text NOT NULL,
	`key_blob` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `staff_username_unique` ON `staff` (`username`);--> statement-breakpoint
CREATE TABLE `invites` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`username` text NOT NULL,
	`role` text NOT NULL,
	`created_by` text NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`created_by`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `invites_username_idx` ON `invites` (`username`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`jti` text PRIMARY KEY NOT NULL,
	`subject_type` text NOT NULL,
	`subject_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE INDEX `sessions_subject_idx` ON `sessions` (`subject_type`,`subject_id`);--> statement-breakpoint
CREATE INDEX `sessions_expires_idx` ON `sessions` (`expires_at`);--> statement-breakpoint
CREATE TABLE `grants` (
	`staff_id` text NOT NULL,
	`team_key_version` integer NOT NULL,
	`sealed` text NOT NULL,
	PRIMARY KEY(`staff_id`, `team_key_version`),
	FOREIGN KEY (`staff_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`team_key_version`) REFERENCES `team_keys`(`version`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `grants_version_idx` ON `grants` (`team_key_version`);--> statement-breakpoint
CREATE TABLE `team_keys` (
	`version` integer PRIMARY KEY NOT NULL,
	`box_pk` text NOT NULL,
	`created_at` integer NOT NULL,
	`retired_at` integer
);
--> statement-breakpoint
CREATE TABLE `requesters` (
	`id` text PRIMARY KEY NOT NULL,
	`box_pk` text NOT NULL,
	`sign_pk` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `requesters_sign_pk_unique` ON `requesters` (`sign_pk`);--> statement-breakpoint
CREATE TABLE `tickets` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`requester_id` text NOT NULL,
	`status` text DEFAULT 'new' NOT NULL,
	`priority` text DEFAULT 'normal' NOT NULL,
	`assignee_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`closed_at` integer,
	FOREIGN KEY (`requester_id`) REFERENCES `requesters`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`assignee_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tickets_id_unique` ON `tickets` (`id`);--> statement-breakpoint
CREATE INDEX `tickets_status_seq_idx` ON `tickets` (`status`,`seq`);--> statement-breakpoint
CREATE INDEX `tickets_assignee_seq_idx` ON `tickets` (`assignee_id`,`seq`);--> statement-breakpoint
CREATE INDEX `tickets_priority_seq_idx` ON `tickets` (`priority`,`seq`);--> statement-breakpoint
CREATE INDEX `tickets_requester_idx` ON `tickets` (`requester_id`);--> statement-breakpoint
CREATE INDEX `tickets_closed_at_idx` ON `tickets` (`closed_at`);--> statement-breakpoint
CREATE TABLE `labels` (
	`tag` text PRIMARY KEY NOT NULL,
	`sealed_name` text NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`created_by`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE TABLE `ticket_labels` (
	`ticket_seq` integer NOT NULL,
	`tag` text NOT NULL,
	PRIMARY KEY(`ticket_seq`, `tag`),
	FOREIGN KEY (`ticket_seq`) REFERENCES `tickets`(`seq`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `ticket_labels_tag_ticket_idx` ON `ticket_labels` (`tag`,`ticket_seq`);--> statement-breakpoint
CREATE TABLE `wraps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ticket_id` text NOT NULL,
	`key_kind` text NOT NULL,
	`recipient` text NOT NULL,
	`team_key_version` integer,
	`sealed` text NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`team_key_version`) REFERENCES `team_keys`(`version`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "wraps_recipient_version" CHECK(("wraps"."recipient" = 'team' AND "wraps"."team_key_version" IS NOT NULL) OR ("wraps"."recipient" = 'requester' AND "wraps"."team_key_version" IS NULL AND "wraps"."key_kind" = 'ticket'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `wraps_team_unique` ON `wraps` (`ticket_id`,`key_kind`,`recipient`,`team_key_version`);--> statement-breakpoint
CREATE UNIQUE INDEX `wraps_requester_unique` ON `wraps` (`ticket_id`,`key_kind`) WHERE "wraps"."recipient" = 'requester';--> statement-breakpoint
CREATE INDEX `wraps_version_idx` ON `wraps` (`team_key_version`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`seq` integer NOT NULL,
	`kind` text NOT NULL,
	`author_type` text NOT NULL,
	`author_staff_id` text,
	`nonce` text NOT NULL,
	`ct` text NOT NULL,
	`sig` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`author_staff_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_ticket_seq_unique` ON `messages` (`ticket_id`,`seq`);--> statement-breakpoint
CREATE INDEX `messages_created_idx` ON `messages` (`created_at`);--> statement-breakpoint
CREATE TABLE `attachment_chunks` (
	`attachment_id` text NOT NULL,
	`idx` integer NOT NULL,
	`data` blob NOT NULL,
	PRIMARY KEY(`attachment_id`, `idx`),
	FOREIGN KEY (`attachment_id`) REFERENCES `attachments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `attachments` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`meta` text NOT NULL,
	`header` text NOT NULL,
	`chunk_count` integer NOT NULL,
	`size` integer NOT NULL,
	`completed_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `attachments_ticket_idx` ON `attachments` (`ticket_id`);--> statement-breakpoint
CREATE TABLE `audit` (
	`seq` integer PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`actor_staff_id` text,
	`action` text NOT NULL,
	`target` text,
	`detail` text NOT NULL,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_hash_unique` ON `audit` (`hash`);--> statement-breakpoint
CREATE INDEX `audit_actor_idx` ON `audit` (`actor_staff_id`);--> statement-breakpoint
CREATE TABLE `pow_spent` (
	`id` text PRIMARY KEY NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `pow_spent_expires_idx` ON `pow_spent` (`expires_at`);