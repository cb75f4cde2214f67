"use client";
import { useActionState } from "react";
import { claimDeviceCodeAction, type DeviceFormState } from "./actions";

export function DeviceForm({ initialCode }: { initialCode: string }) {
  const [state, action, pending] = useActionState<DeviceFormState, FormData>(claimDeviceCodeAction, { code: initialCode });
  return (
    <form action={action} className="card form-card">
      <label htmlFor="user_code">Code</label>
      <input
        id="user_code"
        name="user_code"
        defaultValue={state.code ?? initialCode}
        autoComplete="off"
        autoCapitalize="characters"
        spellCheck={false}
        placeholder="WDJB-MJHT"
        required
        maxLength={20}
      />
      {state.error && (
        <p className="error" role="alert">
          {state.error}
        </p>
      )}
      <p>
        <button type="submit" className="primary" disabled={pending}>
          Continue
        </button>
      </p>
    </form>
  );
}
