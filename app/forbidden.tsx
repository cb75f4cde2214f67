import Link from "next/link";

// Rendered with HTTP status 403 by forbidden() (app/_auth/session.ts requireRole).
export default function Forbidden() {
  return (
    <main>
      <h1>You do not have access to this page</h1>
      <p className="muted">Your account does not have the role this page needs. Ask an administrator if you think it should.</p>
      <p>
        <Link href="/">Back to the home page</Link>
      </p>
    </main>
  );
}
