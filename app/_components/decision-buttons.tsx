// Approve and Deny for every consent form (an authorization request, an in-call extension):
// Deny skips the form's validation, so a person can always refuse.
export function DecisionButtons() {
  return (
    <div className="decision">
      <button type="submit" name="decision" value="approve" className="primary large">
        Approve
      </button>
      <button type="submit" name="decision" value="deny" className="danger-outline large" formNoValidate>
        Deny
      </button>
    </div>
  );
}
