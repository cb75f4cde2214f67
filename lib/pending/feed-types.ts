// Wire types of the pending feed, importable by browser code (type imports only, erased at build).
import type { NotificationView } from "../notifications/queries";

export interface PendingItem {
  id: string;
  flow: string;
  clientId: string;
  agent: string;
  bindingMessage: string | null;
  /** The request in words, one sentence per line. */
  words: string[];
  createdAt: string;
  expiresAt: string;
  reviewUrl: string;
}


export interface PendingSnapshot {
  pending: PendingItem[];
  notifications: NotificationView[];
}
