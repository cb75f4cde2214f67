// Wire types of the pending feed, importable by browser code (no server imports).
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

export interface NotificationItem {
  id: string;
  channel: string;
  title: string;
  body: string;
  link: string | null;
  createdAt: string;
}

export interface PendingSnapshot {
  pending: PendingItem[];
  notifications: NotificationItem[];
}
