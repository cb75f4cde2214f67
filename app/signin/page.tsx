import Link from "next/link";
import { redirect } from "next/navigation";
import { safeCallbackUrl } from "@/lib/auth/callback-url";
import { signInErrorMessage } from "@/lib/auth/messages";
import { getSessionUser } from "@/app/_auth/session";
import { config } from "@/lib/config";
import { SignInForm } from "./sign-in-form";

export const metadata = { title: "Sign in · Agent Grants" };

type Search = Promise<Record<string, string | string[] | undefined>>;
const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export default async function SignInPage({ searchParams }: { searchParams: Search }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackUrl(first(params.callbackUrl), config().issuerUrl);
  if (await getSessionUser()) redirect(callbackUrl);
  const signUpHref = callbackUrl === "/" ? "/signup" : `/signup?callbackUrl=${encodeURIComponent(callbackUrl)}`;
  return (
    <main>
      <h1>Sign in</h1>
      <SignInForm callbackUrl={callbackUrl} initialError={signInErrorMessage(first(params.error))} />
      <p className="muted">
        No account yet? <Link href={signUpHref}>Sign up</Link>
      </p>
    </main>
  );
}
