ALTER TABLE `attachments` ADD `uploader_type` text DEFAULT 'requester' NOT NULL;--> statement-breakpoint
ALTER TABLE `attachments` ADD `uploader_staff_id` text;--> statement-breakpoint
ALTER TABLE `attachments` ADD `padded_size` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `attachments` ADD `chunk_bytes` integer DEFAULT 65536 NOT NULL;--> statement-breakpoint
CREATE INDEX `attachments_pending_idx` ON `attachments` (`completed_at`,`created_at`);--> statement-breakpoint
ALTER TABLE `attachments` DROP COLUMN `header`;--> statement-breakpoint
ALTER TABLE `attachments` DROP COLUMN `size`;