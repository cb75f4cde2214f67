"use server";
import { redirect } from "next/navigation";
import { requireUser } from "@/app/_auth/session";
import { appDeps } from "@/lib/deps";
import { claimUserCode } from "@/lib/oauth/device/claim";

export interface DeviceFormState {
  error?: string;
  code?: string;
}

/** The user entered a code: the request becomes theirs, and they decide on the consent page. */
export async function claimDeviceCodeAction(_prev: DeviceFormState, formData: FormData): Promise<DeviceFormState> {
  const user = await requireUser("/device");
  const code = String(formData.get("user_code") ?? "").slice(0, 40);
  const result = await claimUserCode(appDeps(), user.id, code);
  if (!result.ok) return { error: result.error, code };
  redirect(`/consent/${encodeURIComponent(result.requestId)}`);
}
