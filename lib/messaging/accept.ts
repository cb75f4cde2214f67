// Step 1 of a send (the transactional outbox): in ONE transaction, spend one message from an
// authorization-details entry covering the recipient, write the Message (status pending) and
// its audit entry. Either all of it commits or none of it does, so a message never exists
// without its entry and the quota is never taken for a message that was not recorded. Delivery
// happens after the commit (deliver.ts); the reconciler re-drives anything left pending by a
// crash. A request that delivers at once takes the first attempt's lease in the same
// transaction (`claimFor`), with its `message.attempted` entry, instead of a second write
// transaction (docs/outbox.md).
//
// The transaction only writes: the grant's status is read before it (from the caller's cache
// when it has one) and the spend itself re-checks liveness at the write (lib/grants/entries.ts),
// so on SQLite the database write lock, which every other process's writes wait for, is held
// for the writes and the commit alone (docs/benchmarks.md, "The send path's write lock").
// Concurrent sends share that transaction (see "group commit" below): all of one send's
// writes commit together or none of them do, as before, and its answer waits for the commit.
import { createHash } from "node:crypto";
import { v7 as timeOrderedUuid } from "uuid";
import { appendAudit, dropQueuedAudit, queuedAuditMark } from "../audit/append";
import { bodyFacts } from "../audit/body-digest";
import { isPostgres, timeValue } from "../audit/sql";
import type { AuditActorType } from "../audit/events";
import { inSavepoint, type Db, type Tx } from "../db";
import { groupCommitPerDb } from "../db/group-commit";
import type { Deps } from "../deps";
import { spendFromEntries } from "../grants/entries";
import { type ChainGrant, type GrantStatus, type GrantStatusCache, type LiveGrantStatus, readGrantStatus } from "../resource-server/grant-status";
import { auditAttempt, leaseEnd, type DeliveryLease } from "./lease";
import type { MessageRecord } from "./message-record";
import { denialForGrantReason, MessagingDenial, quotaDenial } from "./policy";

export interface AcceptInput {
  /** grant_id of the token that asked (the root grant is found through parentGrantId). */
  grantId: string;
  jti?: string;
  recipient: string; // E.164, already checked against the token's authorization_details
  body: string;
  idempotencyKey?: string;
  actor: { type: AuditActorType; id: string };
}

export type { MessageRecord } from "./message-record";

export const sha256Hex = (s: string) => createHash("sha256").update(s).digest("hex");

/** The spend was refused: no covering entry has a message left, or the grant stopped being live. */
class SpendRefused extends Error {
  override name = "SpendRefused";
}

/**
 * Spends one message for `recipient` on every grant of the chain (the token's grant up to the
 * one the user approved), each from one of its own entries covering the recipient, chosen by
 * the documented rule (lib/authorization-details/quota.ts). Every entry is its own budget, as
 * the consent screen words it; the spend is a conditional UPDATE per entry, exact under
 * concurrency on both databases, that also re-checks each grant's liveness and the token's
 * revocation (lib/grants/entries.ts). A refusal rolls the whole transaction back.
 */
async function spendMessage(tx: Tx, chain: ChainGrant[], recipient: string, jti: string | undefined): Promise<void> {
  for (const [i, grant] of chain.entries()) {
    const spent = await spendFromEntries(tx, grant.id, grant.details, recipient, i === 0 ? jti : undefined);
    if (spent === null) throw new SpendRefused();
  }
}

// The message row is written with one raw statement, not Prisma's model create, which costs
// about four times as much CPU (0.5 ms against 0.13 ms, docs/benchmarks.md): every column is
// known here, so nothing needs reading back. Timestamps are stored as each provider's Prisma
// client stores them (lib/audit/chain-writer.ts explains the two forms).
const MESSAGE_COLUMNS = `"id","grantId","userId","clientId","recipient","body","bodySha256","status","provider","idempotencyKey","createdAt","attempts","leaseUntil","claimedBy"`;
const SQLITE_INSERT_MESSAGE = `INSERT INTO "Message" (${MESSAGE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`;
const POSTGRES_INSERT_MESSAGE = `INSERT INTO "Message" (${MESSAGE_COLUMNS})
VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,CAST($11 AS timestamp(3)),$12,CAST($13 AS timestamp(3)),$14)`;

async function insertMessage(tx: Tx, m: MessageRecord & { attempts: number }, lease: { leaseUntil: Date; claimedBy: string } | null): Promise<void> {
  const pg = isPostgres(tx);
  const stamp = (d: Date | null) => (d === null ? null : timeValue(pg, d));
  await tx.$executeRawUnsafe(
    pg ? POSTGRES_INSERT_MESSAGE : SQLITE_INSERT_MESSAGE,
    m.id,
    m.grantId,
    m.userId,
    m.clientId,
    m.recipient,
    m.body,
    m.bodySha256,
    m.status,
    m.provider,
    m.idempotencyKey,
    stamp(m.createdAt),
    m.attempts,
    stamp(lease?.leaseUntil ?? null),
    lease?.claimedBy ?? null,
  );
}

function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const o = e as { code?: unknown; kind?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };
    // P2002 from a model query; a raw statement's driver error says UniqueConstraintViolation;
    // a statement run directly on the connection (lib/db/direct-statements.ts) has the
    // database's own code: SQLite's, or PostgreSQL's unique_violation.
    if (o.code === "P2002" || o.kind === "UniqueConstraintViolation") return true;
    if (o.code === "SQLITE_CONSTRAINT_UNIQUE" || o.code === "SQLITE_CONSTRAINT_PRIMARYKEY" || o.code === "23505") return true;
    e = o.meta?.driverAdapterError ?? o.cause;
  }
  return false;
}

async function findReplay(db: Pick<Db, "message">, rootGrantId: string, input: AcceptInput): Promise<MessageRecord | null> {
  if (!input.idempotencyKey) return null;
  const existing = await db.message.findUnique({ where: { grantId_idempotencyKey: { grantId: rootGrantId, idempotencyKey: input.idempotencyKey } } });
  if (!existing) return null;
  // The key names one request; reusing it for another message is a client bug, not a retry.
  if (existing.recipient !== input.recipient || existing.bodySha256 !== sha256Hex(input.body)) {
    throw new MessagingDenial("idempotency_key_reused", "This Idempotency-Key was already used for a different message.");
  }
  return existing;
}

export interface AcceptOptions {
  /** Take the first attempt's delivery lease for this holder (lease.ts) in the same transaction. */
  claimFor?: string;
  /**
   * Where the grant's status is read before the transaction. A cache is enough: it only names
   * the chain and its owners, and the spend re-checks liveness at the write. Without it the
   * status is read from the database.
   */
  grants?: GrantStatusCache;
}

export interface Accepted {
  message: MessageRecord;
  replayed: boolean;
  /** The first attempt's lease, when `claimFor` was given and the message is new. */
  lease?: DeliveryLease;
}

interface AcceptJob {
  deps: Deps;
  input: AcceptInput;
  options: AcceptOptions;
  status: LiveGrantStatus;
  now: Date;
}

type AcceptAnswer = { ok: true; accepted: Accepted } | { ok: false; error: unknown };

/** One send's writes in the accept transaction: the quota, the message, its entries (writes only). */
async function writeAccepted(tx: Tx, { deps, input, options, status, now }: AcceptJob): Promise<Accepted> {
  await spendMessage(tx, status.chain, input.recipient, input.jti);
  const until = leaseEnd(deps, now);
  const message: MessageRecord & { attempts: number } = {
    id: timeOrderedUuid(), // time-ordered, so new rows go in at the end of the primary key (as access-token.ts)
    grantId: status.rootGrantId,
    userId: status.userId,
    clientId: status.clientId,
    recipient: input.recipient,
    body: input.body,
    bodySha256: sha256Hex(input.body),
    status: "pending",
    provider: deps.config.messaging.provider,
    providerMessageId: null,
    idempotencyKey: input.idempotencyKey ?? null,
    error: null,
    createdAt: now,
    deliveredAt: null,
    attempts: options.claimFor ? 1 : 0,
  };
  await insertMessage(tx, message, options.claimFor ? { leaseUntil: until, claimedBy: options.claimFor } : null);
  await appendAudit(
    tx,
    {
      type: "message.queued",
      outcome: "success",
      actorType: input.actor.type,
      actorId: input.actor.id,
      subjectUserId: message.userId,
      clientId: message.clientId,
      grantId: message.grantId,
      details: { message_id: message.id, recipient: message.recipient, ...bodyFacts(deps.config.auditHmacKey, input.body), provider: message.provider },
    },
    now,
  );
  const lease = options.claimFor ? await auditAttempt(tx, deps, message, options.claimFor, until, now) : undefined;
  return { message, replayed: false, lease };
}

// The accept transactions of concurrent sends are committed together (group commit,
// lib/db/group-commit.ts), in two steps because a savepoint costs about as much as the spend
// itself through Prisma (two statements, docs/benchmarks.md):
// - optimistically, every send of the batch writes plainly. A send refused at the write (no
//   message left, an Idempotency-Key already used, an entry the audit refuses) rolls the whole
//   batch back, and every send in it is submitted again to
// - the guarded writer, where each send writes in a savepoint of its own: a refused send undoes
//   only its own writes and queued entries, and the others commit.
// Either way all of one send's writes commit together or none of them do, and its answer waits
// for the commit; if a batch cannot commit, every send in it fails as a lone transaction would.

/** A send of an optimistic batch was refused: the batch was rolled back, to be written guarded. */
class RewriteGuarded extends Error {
  override name = "RewriteGuarded";
}

async function writeOptimistic(tx: Tx, jobs: AcceptJob[]): Promise<AcceptAnswer[]> {
  const [only] = jobs;
  // Alone, a refusal is the send's own answer: the transaction rolls back, as it always did.
  if (jobs.length === 1 && only) return [{ ok: true, accepted: await writeAccepted(tx, only) }];
  const answers: AcceptAnswer[] = [];
  for (const job of jobs) {
    try {
      answers.push({ ok: true, accepted: await writeAccepted(tx, job) });
    } catch {
      throw new RewriteGuarded();
    }
  }
  return answers;
}

async function writeGuarded(tx: Tx, jobs: AcceptJob[]): Promise<AcceptAnswer[]> {
  const answers: AcceptAnswer[] = [];
  for (const job of jobs) {
    const mark = queuedAuditMark(tx);
    try {
      answers.push({ ok: true, accepted: await inSavepoint(tx, () => writeAccepted(tx, job)) });
    } catch (error) {
      dropQueuedAudit(tx, mark);
      answers.push({ ok: false, error });
    }
  }
  return answers;
}

/** Most sends per accept transaction. */
export const ACCEPT_BATCH_MAX = 64;
/** The accept writers of a database client (one of each per client per loaded copy of this module). */
export const acceptWriters = {
  optimistic: groupCommitPerDb<AcceptJob, AcceptAnswer>({ write: writeOptimistic, maxBatch: ACCEPT_BATCH_MAX }),
  guarded: groupCommitPerDb<AcceptJob, AcceptAnswer>({ write: writeGuarded, maxBatch: ACCEPT_BATCH_MAX }),
};

async function accept(job: AcceptJob): Promise<Accepted> {
  let answer: AcceptAnswer;
  try {
    answer = await acceptWriters.optimistic(job.deps.db).submit(job);
  } catch (err) {
    if (!(err instanceof RewriteGuarded)) throw err;
    answer = await acceptWriters.guarded(job.deps.db).submit(job);
  }
  if (!answer.ok) throw answer.error;
  return answer.accepted;
}

function readStatus(deps: Deps, input: AcceptInput, options: AcceptOptions, now: Date, fresh: boolean): Promise<GrantStatus> {
  if (!options.grants) return readGrantStatus(deps.db, input.grantId, input.jti, now);
  if (fresh) options.grants.forget(input.grantId);
  return options.grants.get(input.grantId, input.jti, now);
}

export async function acceptMessage(deps: Deps, input: AcceptInput, options: AcceptOptions = {}): Promise<Accepted> {
  const now = deps.now();
  let status = await readStatus(deps, input, options, now, false);
  // A status from a cache may predate an extension of the grant (a new entry to spend from):
  // a refused spend reads it afresh and tries once more before answering.
  let fresh = !options.grants;
  for (;;) {
    if (!status.live) throw denialForGrantReason(status.reason);
    try {
      return await accept({ deps, input, options, status, now });
    } catch (err) {
      if (isUniqueViolation(err) && input.idempotencyKey) {
        // The Idempotency-Key was used before (or by a request racing this one): the whole
        // transaction rolled back, the spent message included; answer with the first message.
        const replay = await findReplay(deps.db, status.rootGrantId, input);
        if (replay) return { message: replay, replayed: true };
      }
      if (!(err instanceof SpendRefused)) throw err;
    }
    // Refused at the write: name why from the status as it is now.
    const current = await readStatus(deps, input, options, now, true);
    if (current.live && !fresh) {
      status = current;
      fresh = true;
      continue;
    }
    if (!current.live) throw denialForGrantReason(current.reason);
    // A retry of a message already sent is answered with it, even once the quota is spent.
    const replay = await findReplay(deps.db, current.rootGrantId, input);
    if (replay) return { message: replay, replayed: true };
    throw quotaDenial(input.recipient);
  }
}
