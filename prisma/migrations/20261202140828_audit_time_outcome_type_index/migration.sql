-- DropIndex
DROP INDEX "AuditEvent_time_idx";

-- CreateIndex
CREATE INDEX "AuditEvent_time_outcome_type_idx" ON "AuditEvent"("time", "outcome", "type");
