// User accounts: creation, roles and lookups. Every change writes its audit event in the same
// write transaction as the change itself. Sign-in lives in ./authenticate.
import { z } from "zod";
import { appendAudit } from "../audit/append";
import { appendActorChange, type AuditActor } from "../audit/actor";
import { writeTransaction, type Db, type Tx } from "../db";
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "./password";

export const ROLES = ["user", "auditor", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const EmailSchema = z
  .string({ error: "Enter an email address." })
  .trim()
  .toLowerCase()
  .max(254, "That email address is too long.")
  .pipe(z.email({ error: "Enter a valid email address." }));

export const PasswordSchema = z
  .string({ error: "Enter a password." })
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters for the password.`)
  .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters for the password.`);

export const RoleSchema = z.enum(ROLES, { error: `The role must be one of: ${ROLES.join(", ")}.` });

export type UserErrorCode = "invalid_email" | "invalid_password" | "invalid_role" | "email_taken" | "not_found";

/** A problem with the caller's input, with a message fit to show to a person. */
export class UserError extends Error {
  override name = "UserError";
  constructor(
    readonly code: UserErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A user without the password hash: what callers outside this module get to see. */
export interface PublicUser {
  id: string;
  email: string;
  role: Role;
  sessionVersion: number;
  disabledAt: Date | null;
  createdAt: Date;
}

export const ADMIN_CLI_ACTOR: AuditActor = { type: "system", id: "admin-cli" };

export function toPublicUser(u: { id: string; email: string; role: string; sessionVersion: number; disabledAt: Date | null; createdAt: Date }): PublicUser {
  return {
    id: u.id,
    email: u.email,
    role: isRole(u.role) ? u.role : "user",
    sessionVersion: u.sessionVersion,
    disabledAt: u.disabledAt,
    createdAt: u.createdAt,
  };
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** Lower-cased, trimmed and validated; throws UserError("invalid_email") with a readable message. */
export function normalizeEmail(input: unknown): string {
  return parseOr(EmailSchema, input, "invalid_email");
}

export function parseRole(input: unknown): Role {
  return parseOr(RoleSchema, input, "invalid_role");
}

export async function findUserByEmail(db: Db | Tx, email: string): Promise<PublicUser | null> {
  const parsed = EmailSchema.safeParse(email);
  if (!parsed.success) return null;
  const row = await db.user.findUnique({ where: { email: parsed.data } });
  return row ? toPublicUser(row) : null;
}

export async function listUsers(db: Db | Tx): Promise<PublicUser[]> {
  const rows = await db.user.findMany({ orderBy: { createdAt: "asc" } });
  return rows.map(toPublicUser);
}

export interface CreateUserInput {
  email: string;
  password: string;
  role?: Role;
}

/**
 * Creates an account. `actor` is who asked: the new user at sign-up (pass `{ type: "user" }`:
 * the new id is filled in), or the admin CLI.
 */
export async function createUser(db: Db, input: CreateUserInput, actor: AuditActor, now: Date = new Date()): Promise<PublicUser> {
  const email = normalizeEmail(input.email);
  const password = parseOr(PasswordSchema, input.password, "invalid_password");
  const role = parseRole(input.role ?? "user");
  // Hash before the transaction: Argon2 is slow by design and must not hold the write lock.
  const passwordHash = await hashPassword(password);
  try {
    return await writeTransaction(db, async (tx) => {
      if (await tx.user.findUnique({ where: { email }, select: { id: true } })) throw emailTaken();
      const row = await tx.user.create({ data: { email, passwordHash, role, createdAt: now } });
      await appendAudit(
        tx,
        {
          type: "user.created",
          outcome: "success",
          actorType: actor.type,
          actorId: actor.id ?? (actor.type === "user" ? row.id : null),
          subjectUserId: row.id,
          details: { role, via: actor.type === "user" ? "signup" : (actor.id ?? actor.type) },
        },
        now,
      );
      return toPublicUser(row);
    });
  } catch (err) {
    // Two sign-ups for one email at once: the unique index decides, the loser gets the same answer.
    if ((err as { code?: string }).code === "P2002") throw emailTaken();
    throw err;
  }
}

/** Sets a user's role. Returns the user and whether anything changed (no audit entry if not). */
export async function setRole(db: Db, emailInput: string, roleInput: string, actor: AuditActor, now: Date = new Date()) {
  const email = normalizeEmail(emailInput);
  const role = parseRole(roleInput);
  return writeTransaction(db, async (tx) => {
    const before = await tx.user.findUnique({ where: { email } });
    if (!before) throw new UserError("not_found", `No user has the email ${email}.`);
    if (before.role === role) return { user: toPublicUser(before), previousRole: role, changed: false };
    const row = await tx.user.update({ where: { id: before.id }, data: { role } });
    await appendActorChange(
      tx,
      actor,
      {
        type: "role.changed",
        subjectUserId: row.id,
        details: { from: before.role, to: role },
      },
      now,
    );
    return { user: toPublicUser(row), previousRole: isRole(before.role) ? before.role : "user", changed: true };
  });
}

function emailTaken(): UserError {
  return new UserError("email_taken", "An account with this email already exists.");
}

function parseOr<T>(schema: z.ZodType<T>, input: unknown, code: UserErrorCode): T {
  const result = schema.safeParse(input);
  if (!result.success) throw new UserError(code, result.error.issues[0]?.message ?? "Invalid input.");
  return result.data;
}
