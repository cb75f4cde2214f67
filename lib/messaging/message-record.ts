// A stored message as the messaging service reads it back: accepting, leasing and delivering
// all work on this one shape.
export interface MessageRecord {
  id: string;
  grantId: string;
  userId: string;
  clientId: string;
  recipient: string;
  body: string;
  bodySha256: string;
  status: string;
  provider: string;
  providerMessageId: string | null;
  idempotencyKey: string | null;
  error: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}
