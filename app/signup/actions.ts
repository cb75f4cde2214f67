"use server";
// Sign-up as a server action: Next.js checks the Origin header of every action request against
// the host (CSRF protection), and the per-address limit slows down mass account creation.
import { headers } from "next/headers";
import { clientIp } from "@/lib/auth/client-ip";
import { createUser, UserError } from "@/lib/auth/users";
import { appDeps } from "@/lib/deps";
import { consumeRateLimit } from "@/lib/rate-limit";
import { errorMessage } from "@/lib/error-message";

const SIGNUP_RULE = { limit: 10, windowSeconds: 60 * 60 };

export type SignUpResult = { ok: true } | { ok: false; error: string; field?: "email" | "password" };

export async function signUp(input: { email: unknown; password: unknown }): Promise<SignUpResult> {
  const { db, now } = appDeps();
  const ip = clientIp(await headers());
  const limit = await consumeRateLimit(db, `signup:${ip ?? "unknown"}`, SIGNUP_RULE, now());
  if (!limit.allowed) {
    const minutes = Math.ceil(limit.retryAfterSeconds / 60);
    return { ok: false, error: `Too many sign-ups from your network. Try again in ${minutes} ${minutes === 1 ? "minute" : "minutes"}.` };
  }
  try {
    await createUser(db, { email: String(input.email ?? ""), password: String(input.password ?? "") }, { type: "user" }, now());
    return { ok: true };
  } catch (err) {
    if (err instanceof UserError) {
      const field = err.code === "invalid_password" ? "password" : err.code === "invalid_email" || err.code === "email_taken" ? "email" : undefined;
      return { ok: false, error: err.message, field };
    }
    console.error("signup: unexpected error:", errorMessage(err));
    return { ok: false, error: "Something went wrong. Please try again." };
  }
}
