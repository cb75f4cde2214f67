// Which database a URL names, and where its schema and migrations live.
import path from "node:path";

export type Provider = "sqlite" | "postgresql";

export interface DatabaseTarget {
  provider: Provider;
  url: string;
  /** For SQLite: the file path. */
  filePath?: string;
  schemaPath: string;
  migrationsDir: string;
}

// npm scripts, the Next.js server and the tests all run from the repository root.
const root = process.cwd();

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

export function databaseTarget(url: string): DatabaseTarget {
  if (isPostgresUrl(url)) {
    return {
      provider: "postgresql",
      url,
      schemaPath: path.join(root, "prisma/postgresql/schema.prisma"),
      migrationsDir: path.join(root, "prisma/postgresql/migrations"),
    };
  }
  const filePath = url.startsWith("file:") ? url.slice("file:".length) : url;
  return {
    provider: "sqlite",
    url,
    filePath,
    schemaPath: path.join(root, "prisma/schema.prisma"),
    migrationsDir: path.join(root, "prisma/migrations"),
  };
}
