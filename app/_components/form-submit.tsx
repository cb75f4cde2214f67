// The end of the sign-in and sign-up forms: the error the last attempt got, announced to screen
// readers as it appears (role="alert"), then the submit button, disabled while a request is out.
export function FormSubmit({ error, busy, label }: { error: string | null; busy: boolean; label: string }) {
  return (
    <>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <p>
        <button type="submit" className="primary" disabled={busy}>
          {label}
        </button>
      </p>
    </>
  );
}
