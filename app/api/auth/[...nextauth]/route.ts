import NextAuth from "next-auth";
import { authOptions } from "@/app/_auth/options";

// Options are built per process on first request (not at import: `next build` has no config).
type Handler = (req: Request, ctx: { params: Promise<{ nextauth: string[] }> }) => Promise<Response>;
const handler: Handler = (req, ctx) => (NextAuth(authOptions()) as unknown as Handler)(req, ctx);

export { handler as GET, handler as POST };
