import Link from "next/link";
import { redirect } from "next/navigation";
import { safeCallbackUrl } from "@/lib/auth/callback-url";
import { getSessionUser } from "@/app/_auth/session";
import { config } from "@/lib/config";
import { SignUpForm } from "./sign-up-form";

export const metadata = { title: "Sign up · Agent Grants" };

type Search = Promise<Record<string, string | string[] | undefined>>;
const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export default async function SignUpPage({ searchParams }: { searchParams: Search }) {
  const callbackUrl = safeCallbackUrl(first((await searchParams).callbackUrl), config().issuerUrl);
  if (await getSessionUser()) redirect(callbackUrl);
  return (
    <main>
      <h1>Create an account</h1>
      <SignUpForm callbackUrl={callbackUrl} />
      <p className="muted">
        Already have an account? <Link href={callbackUrl === "/" ? "/signin" : `/signin?callbackUrl=${encodeURIComponent(callbackUrl)}`}>Sign in</Link>
      </p>
    </main>
  );
}
