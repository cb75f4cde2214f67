import Link from "next/link";
import { getSessionUser } from "@/app/_auth/session";
import { PendingRequests } from "./_components/pending-requests";

export default async function Home() {
  const user = await getSessionUser();
  if (!user) {
    return (
      <main>
        <h1>Agent Grants</h1>
        <p>Let an AI agent do one narrow thing, for a while, and take it back at any moment.</p>
        <p>
          <Link href="/signin">Sign in</Link> to see what your agents ask for, or <Link href="/signup">create an account</Link>.
        </p>
      </main>
    );
  }
  return (
    <main>
      <h1>Welcome, {user.email}</h1>
      <p className="muted">Requests from your agents appear here. Approve, narrow or deny each one.</p>
      {/* PENDING REQUESTS: the grants helper renders the pending-requests list here. */}
      <PendingRequests />
      <p>
        <Link href="/grants">See and revoke what your agents may do</Link>
      </p>
    </main>
  );
}
