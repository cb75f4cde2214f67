-- AlterTable: an added column only, so migrations of other tables merge cleanly.
ALTER TABLE "Client" ADD COLUMN "cibaEnabled" BOOLEAN NOT NULL DEFAULT false;
