"use client";
import { useActionState } from "react";
import { verifyChainAction, type VerifyState } from "./actions";

export function VerifyChain() {
  const [state, action, pending] = useActionState<VerifyState | null, FormData>(verifyChainAction, null);
  return (
    <form action={action} className="card" aria-label="Verify chain">
      <button type="submit" disabled={pending}>
        {pending ? "Verifying…" : "Verify chain"}
      </button>
      <div role="status" aria-live="polite" data-testid="verify-result">
        {state?.ok && (
          <p>
            <strong>Chain intact.</strong> <span className="muted">{state.summary}</span>
          </p>
        )}
        {state && !state.ok && (
          <div className="error">
            {state.problem && (
              <p>
                <strong>
                  Tampering found: {state.problem.kind} at entry {state.problem.seq}.
                </strong>{" "}
                {state.problem.message}
              </p>
            )}
            {state.checkpointProblems.map((p) => (
              <p key={p}>Checkpoint problem: {p}</p>
            ))}
            <p className="muted">{state.summary}</p>
          </div>
        )}
        {state && state.messageProblems.length > 0 && (
          <div className="error" data-testid="message-problems">
            <p>
              <strong>Messages and delivery entries disagree</strong> (npm run audit:verify -- --messages):
            </p>
            <ul>
              {state.messageProblems.slice(0, 20).map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          </div>
        )}
        {state && !state.failed && state.messageProblems.length === 0 && (
          <p className="muted">Every delivered message has its entry, and every delivery entry its message.</p>
        )}
      </div>
    </form>
  );
}
