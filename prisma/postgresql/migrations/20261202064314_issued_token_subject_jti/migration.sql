-- AlterTable
ALTER TABLE "IssuedToken" ADD COLUMN     "subjectJti" TEXT;

-- CreateIndex
CREATE INDEX "IssuedToken_subjectJti_idx" ON "IssuedToken"("subjectJti");
