// RFC 8628 section 3.3: where the user types the code their agent shows. A code in the link
// (verification_uri_complete) is only prefilled: the user still confirms it here and then
// sees the full request on the consent page, so a link sent by someone else cannot approve
// anything by itself (RFC 8628 section 5.4).
import type { Metadata } from "next";
import { requireUser } from "@/app/_auth/session";
import { DeviceForm } from "./device-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Connect a device · Agent Grants" };

export default async function DevicePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const raw = typeof params.user_code === "string" ? params.user_code.slice(0, 20) : "";
  await requireUser(raw ? `/device?user_code=${encodeURIComponent(raw)}` : "/device");
  return (
    <main>
      <h1>Connect an agent</h1>
      <p>Enter the code your agent shows you. You will see what it asks for before anything is allowed.</p>
      <DeviceForm initialCode={raw} />
    </main>
  );
}
