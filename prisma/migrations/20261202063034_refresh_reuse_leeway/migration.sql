-- AlterTable
ALTER TABLE "RefreshToken" ADD COLUMN "rotatedAuthMethod" TEXT;
ALTER TABLE "RefreshToken" ADD COLUMN "successorSealed" TEXT;
