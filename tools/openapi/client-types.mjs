// Writes a TypeScript file that names, for every operation of the OpenAPI document, the
// types a client uses: its parameters, its request body and its success answer, from the
// client types openapi-typescript generated (./api.d.ts). `tsc --strict` over it fails
// when an operation's types are missing or untyped: a breaking change fails CI.
// Usage: node client-types.mjs openapi.json > operations.ts
import { readFileSync } from "node:fs";

const doc = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = [
  'import type { operations } from "./api";',
  "",
  "type Defined<T> = unknown extends T ? never : T;",
  "// false for an object type without named fields (`{}`, Record<string, never>): an untyped answer",
  "type HasFields<T> = string extends keyof T ? false : [keyof T] extends [never] ? false : true;",
  "",
];
let count = 0;
for (const [path, ops] of Object.entries(doc.paths)) {
  for (const [verb, op] of Object.entries(ops)) {
    const id = op.operationId;
    const o = `operations["${id}"]`;
    out.push(`// ${verb.toUpperCase()} ${path}`);
    if (op.parameters) out.push(`export type ${id}_Parameters = Defined<${o}["parameters"]>;`);
    const media = op.requestBody && Object.keys(op.requestBody.content)[0];
    if (media) out.push(`export type ${id}_Body = Defined<NonNullable<${o}["requestBody"]>["content"]["${media}"]>;`);
    const [code, ok] = Object.entries(op.responses).find(([c]) => c.startsWith("2"));
    if (ok.content) {
      const answer = Object.keys(ok.content)[0];
      out.push(`export type ${id}_Answer = Defined<${o}["responses"][${code}]["content"]["${answer}"]>;`);
      // A message declared without fields (civic.common.Empty, an acknowledgement) is empty on purpose.
      const ref = ok.content[answer].schema?.$ref ?? "";
      const target = ref ? doc.components.schemas[ref.split("/").pop()] : undefined;
      const empty = target !== undefined && Object.keys(target.properties ?? { x: 1 }).length === 0;
      if (answer === "application/json" && !empty) {
        // A typed answer: an object type with its fields, never `{}` or unknown.
        out.push(`export const ${id}_typed: HasFields<${id}_Answer> = true;`);
      }
    }
    out.push(`export type ${id}_Error = Defined<${o}["responses"]["500"]["content"]["application/json"]["error"]["details"]>;`);
    count++;
  }
}
out.push("", `export const operationCount = ${count};`);
console.log(out.join("\n"));
