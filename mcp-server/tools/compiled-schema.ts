// A tool's input schema compiled once per process: the zod object that validates arguments and
// the JSON Schema that tools/list publishes. The MCP SDK converts a schema to JSON Schema on
// every tools/list of every per-request server instance; handing it a Standard Schema whose
// JSON Schema is already computed makes that a lookup.
import type { StandardSchemaWithJSON } from "@modelcontextprotocol/server";
import { z } from "zod";

export interface CompiledSchema<Shape extends z.ZodRawShape> {
  /** For checks outside the SDK (scope-check.ts audits arguments the SDK will refuse). */
  zod: z.ZodObject<Shape>;
  /** What registerTool is given: validation by the same zod object, JSON Schema precomputed. */
  standard: StandardSchemaWithJSON<z.input<z.ZodObject<Shape>>, z.output<z.ZodObject<Shape>>>;
}

export function compileSchema<Shape extends z.ZodRawShape>(shape: Shape): CompiledSchema<Shape> {
  const zod = z.object(shape);
  const std = zod["~standard"];
  const input = std.jsonSchema.input({ target: "draft-2020-12" });
  const output = std.jsonSchema.output({ target: "draft-2020-12" });
  const standard = {
    "~standard": {
      version: 1,
      vendor: "agent-grants",
      validate: std.validate,
      jsonSchema: { input: () => input, output: () => output },
    },
  } as unknown as CompiledSchema<Shape>["standard"];
  return { zod, standard };
}
