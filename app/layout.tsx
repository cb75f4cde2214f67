import type { Metadata } from "next";
import type { ReactNode } from "react";
import { getSessionUser } from "@/app/_auth/session";
import { TopNav } from "./_components/top-nav";
import "./globals.css";

export const metadata: Metadata = {
  title: "Agent Grants",
  description: "Task-scoped, revocable authorization for AI agents",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const user = await getSessionUser();
  return (
    <html lang="en">
      <body>
        <TopNav user={user} />
        {children}
      </body>
    </html>
  );
}
