// next-auth (v4) configuration: email and password sign-in through our own authenticate(),
// sessions as encrypted JWT cookies. The cookie carries the user's sessionVersion; every read
// of the session re-checks it against the database, so an account revoked by an admin (which
// bumps the version and sets disabledAt) loses its sessions at their next use.
//
// Cookies (next-auth defaults, pinned here): HttpOnly, SameSite=Lax, Path=/; Secure and the
// __Secure- / __Host- prefixes when the issuer URL is https (RFC 6265bis section 4.1.3).
import type { NextAuthOptions, User } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import type { JWT } from "next-auth/jwt";
import { appDeps, type Deps } from "@/lib/deps";
import { authenticate, signInLimitsFor } from "@/lib/auth/authenticate";
import { safeCallbackUrl } from "@/lib/auth/callback-url";
import { clientIp } from "@/lib/auth/client-ip";
import { rateLimitedCode, SIGNIN_ERROR } from "@/lib/auth/messages";
import { isRole, type Role } from "@/lib/auth/users";
import { errorMessage } from "@/lib/error-message";

declare module "next-auth" {
  interface Session {
    user: { id: string; email: string; role: Role };
    sessionVersion: number;
  }
  interface User {
    id: string;
    email: string;
    role: Role;
    sessionVersion: number;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    role?: Role;
    sv?: number;
  }
}

export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

/** Thrown from the jwt callback: next-auth then clears the cookie and answers "no session". */
export class SessionVoidError extends Error {
  override name = "SessionVoidError";
}

/** The Credentials provider's check. Errors travel to the sign-in page as short codes. */
export async function authorizeCredentials(
  credentials: Record<string, unknown> | undefined,
  headers: Record<string, string | string[] | undefined> | Headers | undefined,
  deps: Pick<Deps, "db" | "now" | "config">,
): Promise<User | null> {
  const result = await authenticate(deps.db, {
    email: typeof credentials?.email === "string" ? credentials.email : "",
    password: typeof credentials?.password === "string" ? credentials.password : "",
    ip: headers ? clientIp(headers) : null,
  }, deps.now(), signInLimitsFor(deps.config));
  if (result.ok) {
    const { id, email, role, sessionVersion } = result.user;
    return { id, email, role, sessionVersion };
  }
  if (result.reason === "rate_limited") throw new Error(rateLimitedCode(result.retryAfterSeconds));
  if (result.reason === "account_disabled") throw new Error(SIGNIN_ERROR.disabled);
  return null; // next-auth answers CredentialsSignin: "Wrong email or password."
}

/** Refreshes the token from the database; throws SessionVoidError for a revoked session. */
export async function refreshSessionToken(token: JWT, deps: Pick<Deps, "db">): Promise<JWT> {
  if (!token.sub || typeof token.sv !== "number") throw new SessionVoidError("session without user");
  const user = await deps.db.user.findUnique({ where: { id: token.sub }, select: { email: true, role: true, sessionVersion: true, disabledAt: true } });
  if (!user || user.disabledAt || user.sessionVersion !== token.sv) throw new SessionVoidError("session revoked");
  // The role is read fresh, so a role change applies at once, without signing in again.
  return { ...token, email: user.email, role: isRole(user.role) ? user.role : "user" };
}

export function buildAuthOptions(deps: Deps): NextAuthOptions {
  const origin = deps.config.issuerUrl;
  return {
    secret: deps.config.authSecret,
    useSecureCookies: deps.config.secureCookies,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS, updateAge: 60 * 60 },
    pages: { signIn: "/signin", error: "/signin" },
    providers: [
      CredentialsProvider({
        id: "credentials",
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        authorize: (credentials, req) => authorizeCredentials(credentials, req?.headers, deps),
      }),
    ],
    callbacks: {
      async jwt({ token, user }) {
        if (user) return { ...token, sub: user.id, email: user.email, role: user.role, sv: user.sessionVersion };
        return refreshSessionToken(token, deps);
      },
      async session({ session, token }) {
        session.user = { id: token.sub!, email: token.email!, role: token.role ?? "user" };
        session.sessionVersion = token.sv ?? 0;
        return session;
      },
      // Only same-origin targets after sign-in and sign-out (no open redirect).
      async redirect({ url }) {
        return `${origin}${safeCallbackUrl(url, origin)}`;
      },
    },
    logger: {
      error(code, metadata) {
        // A revoked session is expected, not an error worth a stack trace.
        const err = (metadata as { error?: unknown })?.error ?? metadata;
        if ((err as { name?: unknown })?.name === "SessionVoidError") return;
        console.error(`next-auth: ${code}`, errorMessage(err));
      },
      warn(code) {
        console.warn(`next-auth: ${code}`);
      },
      debug() {},
    },
  };
}

let cached: NextAuthOptions | undefined;

/** The process-wide options. Built on first use, never at import (the build has no config). */
export function authOptions(): NextAuthOptions {
  if (!cached) {
    const deps = appDeps();
    // next-auth reads its own URL from the environment; the issuer URL is the one source.
    process.env.NEXTAUTH_URL ??= deps.config.issuerUrl;
    cached = buildAuthOptions(deps);
  }
  return cached;
}
