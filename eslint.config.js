// Lint: regular expressions. eslint-plugin-regexp finds expressions that can backtrack
// super-linearly on hostile input (one such match stalls the whole Node process, every
// request with it), plus the plugin's recommended correctness rules. The TypeScript parser
// reads the sources; these rules need no type information.
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

export default [
  { ignores: ["lib/generated/**", ".next/**", "node_modules/**", "tmp/**", "data/**", "test-results/**", "playwright-report/**", "next-env.d.ts"] },
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
];
