import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config";
import { checkResource } from "../oauth/request-params";
import { BodyError, readFormBody, readJsonBody } from "./body";
import { parseMediaType } from "./media-type";
import { hasInvalidCharacters, trimTrailingSlashes } from "./text";

/** A request whose body arrives in chunks with no Content-Length (as a chunked upload does). */
function streamed(chunks: (string | Uint8Array)[], contentType: string): Request {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(typeof c === "string" ? new TextEncoder().encode(c) : c);
      controller.close();
    },
  });
  // @ts-expect-error: Node's fetch needs duplex for a streamed request body.
  return new Request("http://x/", { method: "POST", headers: { "Content-Type": contentType }, body, duplex: "half" });
}

const post = (body: string, contentType: string) => new Request("http://x/", { method: "POST", headers: { "Content-Type": contentType }, body });

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (err) {
    if (err instanceof BodyError) return err.code;
    throw err;
  }
}

describe("the one request-body reader", () => {
  it("stops a body without Content-Length at the limit, while streaming, with body_too_large (checklist 140)", async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(16 * 1024).fill(0x61));
      },
    });
    // @ts-expect-error: Node's fetch needs duplex for a streamed request body.
    const req = new Request("http://x/", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: endless, duplex: "half" });
    const err = await readFormBody(req, 64 * 1024).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BodyError);
    expect((err as BodyError).code).toBe("body_too_large");
    expect((err as BodyError).status).toBe(413);
    expect(pulled).toBeLessThan(10);
    expect(await codeOf(readJsonBody(post("{}", "application/json; charset=utf-8"), 10))).toBe("ok");
    expect(await codeOf(readJsonBody(new Request("http://x/", { method: "POST", headers: { "Content-Type": "application/json", "Content-Length": "99999" }, body: "{}" }), 10))).toBe("body_too_large");
  });

  it("puts every refusal on a stable code: unsupported_media_type, malformed_body, invalid_characters (checklist 140)", async () => {
    expect(await codeOf(readFormBody(post("a=1", "text/plain")))).toBe("unsupported_media_type");
    expect(await codeOf(readFormBody(post("a=1", "application/x-www-form-urlencoded; charset=iso-8859-1")))).toBe("unsupported_media_type");
    expect(await codeOf(readJsonBody(post("{}", ""), 100))).toBe("unsupported_media_type");
    expect(await codeOf(readJsonBody(post("{", "application/json"), 100))).toBe("malformed_body");
    expect(await codeOf(readJsonBody(streamed([new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])], "application/json"), 100))).toBe("invalid_characters");
    // A multi-byte character split across chunks is still one character.
    const split = new TextEncoder().encode('{"a":"é"}');
    expect(await readJsonBody(streamed([split.slice(0, 7), split.slice(7)], "application/json"), 100)).toEqual({ a: "é" });
  });

  it("refuses NUL and lone surrogates in form fields, JSON values and JSON member names (checklist 141)", async () => {
    const form = "application/x-www-form-urlencoded";
    expect(await codeOf(readFormBody(post("client_id=%00", form)))).toBe("invalid_characters");
    expect(await codeOf(readFormBody(post("a%00b=1", form)))).toBe("invalid_characters");
    expect(await codeOf(readJsonBody(post('{"to":"\\u0000"}', "application/json"), 100))).toBe("invalid_characters");
    expect(await codeOf(readJsonBody(post('{"a":["\\ud800"]}', "application/json"), 100))).toBe("invalid_characters");
    expect(await codeOf(readJsonBody(post('{"\\udc00":1}', "application/json"), 100))).toBe("invalid_characters");
    expect(await readJsonBody(post('{"a":"\\ud83d\\ude00"}', "application/json"), 100)).toEqual({ a: "😀" });
    expect(hasInvalidCharacters("ok 😀")).toBe(false);
    expect(hasInvalidCharacters("a\ud83d")).toBe(true);
    // %ED%A0%80 (an encoded surrogate) decodes to U+FFFD, which is storable.
    expect((await readFormBody(post("a=%ED%A0%80", form))).get("a")).toBe("\ufffd\ufffd\ufffd");
  });

  it("parses Content-Type once: essence lowercased, parameters ignored but a non-UTF-8 charset", () => {
    expect(parseMediaType("Application/JSON ; charset=\"UTF-8\"")).toEqual({ essence: "application/json", utf8: true });
    expect(parseMediaType("application/json;charset=utf-16")).toEqual({ essence: "application/json", utf8: false });
    expect(parseMediaType(null)).toEqual({ essence: "", utf8: true });
  });
});

describe("regular expressions on hostile input", () => {
  it("checks a resource of 60,000 trailing slashes in linear time (checklist 142)", () => {
    const config = loadConfig({ APP_ENV: "test", DATA_DIR: "tmp/test-data" });
    const hostile = `https://a/${"/".repeat(60_000)}x`;
    const started = performance.now();
    expect(() => checkResource(hostile, config)).toThrow(/unknown resource/);
    expect(trimTrailingSlashes(`${config.mcpResourceUrl}${"/".repeat(60_000)}`)).toBe(config.mcpResourceUrl);
    expect(checkResource(`${config.mcpResourceUrl}///`, config)).toBe(config.mcpResourceUrl);
    // The quadratic /\/+$/ took about 6 s here on this input.
    expect(performance.now() - started).toBeLessThan(200);
  });

  it("npm run lint refuses a super-linear regular expression (checklist 142)", async () => {
    const eslint = new ESLint();
    const [result] = await eslint.lintText('export const trim = (s: string) => s.replace(/\\/+$/, "");\nexport const bad = /^(a+)+$/;\n', {
      filePath: "lib/example.ts",
    });
    const rules = result!.messages.map((m) => m.ruleId);
    expect(rules).toContain("regexp/no-super-linear-move");
    expect(rules).toContain("regexp/no-super-linear-backtracking");
  }, 30_000);
});
