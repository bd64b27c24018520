CREATE TABLE "consumer_cursors" (
	"feed" text PRIMARY KEY NOT NULL,
	"position" integer NOT NULL
);
