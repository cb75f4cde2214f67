-- AlterTable
ALTER TABLE "Client" ADD COLUMN     "cibaEnabled" BOOLEAN NOT NULL DEFAULT false;
