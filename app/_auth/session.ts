// The signed-in user for server components, server actions and route handlers.
//   getSessionUser()                 the user or null
//   requireUser(returnTo)            the user, or a redirect to /signin?callbackUrl=<returnTo>
//   requireRole(role(s), returnTo)   the user if they hold one of the roles; a signed-in user
//                                    without it gets the 403 page (app/forbidden.tsx), never a
//                                    redirect back to sign-in (that would loop)
import { getServerSession } from "next-auth";
import { forbidden, redirect } from "next/navigation";
import { connection } from "next/server";
import { cache } from "react";
import { authOptions } from "./options";
import type { Role } from "@/lib/auth/users";

export interface SessionUser {
  id: string;
  email: string;
  role: Role;
}

/** Once per request: the layout and the page share one lookup. */
export const getSessionUser = cache(async (): Promise<SessionUser | null> => {
  // Per request, never at build time: the build has neither cookies nor configuration.
  await connection();
  const session = await getServerSession(authOptions());
  const user = session?.user;
  if (!user?.id || !user.email) return null;
  return { id: user.id, email: user.email, role: user.role };
});

export function signInPath(returnTo: string): string {
  return `/signin?callbackUrl=${encodeURIComponent(returnTo)}`;
}

export async function requireUser(returnTo: string): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) redirect(signInPath(returnTo));
  return user;
}

export function hasRole(user: Pick<SessionUser, "role">, role: Role | readonly Role[]): boolean {
  return (typeof role === "string" ? [role] : role).includes(user.role);
}

export async function requireRole(role: Role | readonly Role[], returnTo: string): Promise<SessionUser> {
  const user = await requireUser(returnTo);
  if (!hasRole(user, role)) forbidden();
  return user;
}
