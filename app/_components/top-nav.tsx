import Link from "next/link";
import type { SessionUser } from "@/app/_auth/session";
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

// The bar wraps instead of overflowing (app/globals.css, nav.top): on a phone the links take
// their own row under the brand and the account, and a long email breaks anywhere.
export function TopNav({ user }: { user: SessionUser | null }) {
  return (
    <nav className="top" aria-label="Main">
      <Link href="/" className="brand">
        Agent Grants
      </Link>
      {user && (
        <ul className="links">
          {LINKS.filter((l) => l.show(user)).map((l) => (
            <li key={l.href}>
              <Link href={l.href}>{l.label}</Link>
            </li>
          ))}
        </ul>
      )}
      <div className="account">
        {user ? (
          <>
            <span className="muted who" data-testid="signed-in-as">
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
      </div>
    </nav>
  );
}
