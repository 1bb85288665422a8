CREATE TABLE "ticket_counts" (
	"status" text NOT NULL,
	"priority" text NOT NULL,
	"assignee" text NOT NULL,
	"n" bigint NOT NULL,
	CONSTRAINT "ticket_counts_status_priority_assignee_pk" PRIMARY KEY("status","priority","assignee")
);
--> statement-breakpoint
CREATE INDEX "tickets_activity_idx" ON "tickets" USING btree ("updated_at","seq");--> statement-breakpoint
CREATE INDEX "tickets_status_activity_idx" ON "tickets" USING btree ("status","updated_at","seq");--> statement-breakpoint
CREATE INDEX "tickets_assignee_activity_idx" ON "tickets" USING btree ("assignee_id","updated_at","seq");--> statement-breakpoint
CREATE INDEX "tickets_priority_activity_idx" ON "tickets" USING btree ("priority","updated_at","seq");