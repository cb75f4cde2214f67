-- CreateTable
CREATE TABLE "GrantExtensionRequest" (
    "id" TEXT NOT NULL,
    "grantId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "recipients" TEXT NOT NULL,
    "maxMessages" INTEGER NOT NULL,
    "grantedMessages" INTEGER,
    "position" INTEGER,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "consentTokenHash" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "decidedAt" TIMESTAMP(3),

    CONSTRAINT "GrantExtensionRequest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "GrantExtensionRequest_grantId_createdAt_idx" ON "GrantExtensionRequest"("grantId", "createdAt");

-- CreateIndex
CREATE INDEX "GrantExtensionRequest_userId_status_idx" ON "GrantExtensionRequest"("userId", "status");
