// Lint (npm run lint, part of npm test).
// - eslint-plugin-regexp: expressions that can backtrack super-linearly on hostile input (one
//   such match stalls the whole Node process, every request with it), plus the plugin's
//   recommended correctness rules.
// - typescript-eslint's recommended rules (syntax only: type-aware rules would parse the whole
//   program for every run; `npm run typecheck` already does that once).
// - Where imports may go: mcp-server/ reaches the shared database only through its ports
//   (lib/resource-server/ports.ts, built by lib/mcp-ports.ts), never through @/lib/db or
//   @/lib/deps (docs/architecture.md, "Processes, ports and data ownership"). Its tests and
//   their stack may still open a database to set up fixtures. Import cycles and upward
//   imports inside lib/ are checked by tests/architecture/imports.test.ts, which reads the whole
//   graph (type-only imports included) in a fraction of a second.
import regexp from "eslint-plugin-regexp";
import tseslint from "typescript-eslint";

// Recommended rules that are about spelling, not behaviour ([0-9] vs \d, unused groups, ...):
// off, so the codebase is not rewritten for them; every rule about matching stays on.
const STYLE_ONLY = [
  "regexp/prefer-w",
  "regexp/prefer-d",
  "regexp/prefer-range",
  "regexp/use-ignore-case",
  "regexp/no-useless-range",
  "regexp/no-unused-capturing-group",
  "regexp/no-dupe-characters-character-class",
  // Validators match control characters on purpose (to refuse them).
  "no-control-regex",
];

const MCP_SERVER_FORBIDDEN = {
  patterns: [
    {
      regex: "^(@/lib/(db|deps)|(\\.\\./)+lib/(db|deps))(/.*)?$",
      message: "The MCP server reaches the database through lib/ modules (ports), not the issuer's database handle or container (docs/architecture.md).",
    },
  ],
};

export default [
  { ignores: ["lib/generated/**", ".next/**", ".next*/**", "node_modules/**", "tmp/**", "data/**", "test-results/**", "playwright-report/**", "next-env.d.ts", ".tools/**"] },
  {
    files: ["**/*.{ts,tsx,js,mjs,cjs}"],
    languageOptions: { parser: tseslint.parser, parserOptions: { ecmaVersion: "latest", sourceType: "module", ecmaFeatures: { jsx: true } } },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    plugins: { regexp },
    rules: {
      ...regexp.configs.recommended.rules,
      ...Object.fromEntries(STYLE_ONLY.map((rule) => [rule, "off"])),
      // "potential": also report what only a hostile input (not a realistic one) would trigger.
      "regexp/no-super-linear-backtracking": ["error", { report: "potential" }],
      "regexp/no-super-linear-move": ["error", { report: "potential", ignoreSticky: false, ignorePartial: false }],
    },
  },
  ...tseslint.configs.recommended.map((config) => ({ ...config, files: ["**/*.{ts,tsx}"] })),
  {
    files: ["**/*.{ts,tsx}"],
    rules: {
      // A leading underscore marks a value left out on purpose (a rest sibling, an unused parameter of a callback shape).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true }],
    },
  },
  {
    files: ["mcp-server/**/*.ts"],
    ignores: ["mcp-server/**/*.test.ts", "mcp-server/test-stack.ts"],
    rules: { "no-restricted-imports": ["error", MCP_SERVER_FORBIDDEN] },
  },
];
