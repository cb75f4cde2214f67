-- AlterTable
ALTER TABLE "RefreshToken" ADD COLUMN     "rotatedAuthMethod" TEXT,
ADD COLUMN     "successorSealed" TEXT;
