-- CreateIndex
CREATE INDEX "AuditEvent_type_outcome_seq_idx" ON "AuditEvent"("type", "outcome", "seq");
