// The repository's import graph, read with the TypeScript compiler's own parser so that
// `import type` and `export ... from` count like any other import: a type-only cycle still
// ties two files together for a reader, and a later value import turns it into a load-order bug.
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

/** file -> the repository files it imports. */
export type ImportGraph = Map<string, string[]>;
/** file -> the packages it imports (bare specifiers, node: built-ins included). */
export type PackageImports = Map<string, string[]>;

const SKIP_DIRS = new Set(["node_modules", ".next", "lib/generated", "tmp", "data", "test-results", "playwright-report", ".git", ".tools"]);
const EXTENSIONS = [".ts", ".tsx"];

function sourceFiles(root: string, dir = ""): string[] {
  const files: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const path = dir ? `${dir}/${name}` : name;
    if (SKIP_DIRS.has(path) || name.startsWith(".next")) continue;
    const stats = statSync(join(root, path));
    if (stats.isDirectory()) files.push(...sourceFiles(root, path));
    else if (EXTENSIONS.some((ext) => name.endsWith(ext)) && !name.endsWith(".d.ts")) files.push(path);
  }
  return files;
}

function specifiersOf(path: string, text: string): string[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, path.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const specifiers: string[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteral(argument)) specifiers.push(argument.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers;
}

/** The repository file a specifier names, or undefined for a package. */
function resolveSpecifier(root: string, from: string, specifier: string): string | undefined {
  let base: string;
  if (specifier.startsWith("@/")) base = join(root, specifier.slice(2));
  else if (specifier.startsWith(".")) base = resolve(root, dirname(from), specifier);
  else return undefined;
  const candidates = [base, ...EXTENSIONS.map((ext) => base + ext), ...EXTENSIONS.map((ext) => join(base, "index" + ext))];
  for (const candidate of candidates) {
    if (existsSync(candidate) && statSync(candidate).isFile() && EXTENSIONS.some((ext) => candidate.endsWith(ext))) return relative(root, candidate);
  }
  return undefined;
}

export function readImportGraph(root: string): { graph: ImportGraph; packages: PackageImports } {
  const graph: ImportGraph = new Map();
  const packages: PackageImports = new Map();
  for (const file of sourceFiles(root)) {
    const specifiers = specifiersOf(file, readFileSync(join(root, file), "utf8"));
    const local = specifiers.filter((specifier) => specifier.startsWith(".") || specifier.startsWith("@/"));
    const targets = local.map((specifier) => resolveSpecifier(root, file, specifier)).filter((target): target is string => target !== undefined);
    graph.set(file, [...new Set(targets)]);
    packages.set(file, [...new Set(specifiers.filter((specifier) => !local.includes(specifier)))]);
  }
  return { graph, packages };
}

/** Strongly connected components of two or more files (Tarjan): each is one import cycle. */
export function importCycles(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) connect(node);
  return cycles;
}
