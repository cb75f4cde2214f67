import Link from "next/link";
import type { SessionUser } from "@/lib/auth/session";
import { SignOutButton } from "./sign-out-button";

interface NavLink {
  href: string;
  label: string;
  show: (user: SessionUser) => boolean;
}

// One line per link; pages enforce their own access (requireUser / requireRole): the nav only hides.
const LINKS: NavLink[] = [
  { href: "/", label: "Home", show: () => true },
  { href: "/grants", label: "Grants", show: () => true },
  { href: "/outbox", label: "Outbox", show: () => true },
  { href: "/activity", label: "Activity", show: () => true },
  { href: "/audit", label: "Audit", show: (u) => u.role === "auditor" },
  { href: "/admin", label: "Admin", show: (u) => u.role === "admin" },
];

export function TopNav({ user }: { user: SessionUser | null }) {
  return (
    <nav className="top" aria-label="Main">
      <Link href="/">
        <strong>Agent Grants</strong>
      </Link>
      {user && LINKS.filter((l) => l.show(user)).map((l) => (
        <Link key={l.href} href={l.href}>
          {l.label}
        </Link>
      ))}
      <span className="spacer" />
      {user ? (
        <>
          <span className="muted" data-testid="signed-in-as">
            {user.email} {user.role !== "user" && <>({user.role})</>}
          </span>
          <SignOutButton />
        </>
      ) : (
        <>
          <Link href="/signin">Sign in</Link>
          <Link href="/signup">Sign up</Link>
        </>
      )}
    </nav>
  );
}
