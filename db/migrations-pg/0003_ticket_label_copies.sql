ALTER TABLE "ticket_labels" ADD COLUMN "status" text DEFAULT 'new' NOT NULL;--> statement-breakpoint
ALTER TABLE "ticket_labels" ADD COLUMN "priority" text DEFAULT 'normal' NOT NULL;--> statement-breakpoint
ALTER TABLE "ticket_labels" ADD COLUMN "assignee_id" text;--> statement-breakpoint
ALTER TABLE "ticket_labels" ADD COLUMN "updated_at" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "ticket_labels_tag_activity_idx" ON "ticket_labels" USING btree ("tag","updated_at","ticket_seq");--> statement-breakpoint
CREATE INDEX "ticket_labels_tag_status_activity_idx" ON "ticket_labels" USING btree ("tag","status","updated_at","ticket_seq");--> statement-breakpoint
CREATE INDEX "ticket_labels_tag_counts_idx" ON "ticket_labels" USING btree ("tag","status","priority","assignee_id");