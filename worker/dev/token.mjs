// Prints an HS256 JWT for local testing: node dev/token.mjs [sub] [ttl-seconds]
// The secret is JWT_SECRET from the environment or from worker/.dev.vars.
import { createHmac } from "node:crypto";
import { readFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

let secret = process.env.JWT_SECRET;
const devVars = join(dirname(fileURLToPath(import.meta.url)), "..", ".dev.vars");
if (!secret && existsSync(devVars)) {
  const m = readFileSync(devVars, "utf8").match(/^JWT_SECRET\s*=\s*"?([^"\n]*)"?/m);
  secret = m?.[1];
}
if (!secret) {
  console.error("set JWT_SECRET or create worker/.dev.vars (see dev/dev.vars.example)");
  process.exit(1);
}
const sub = process.argv[2] ?? "dev-user";
const ttl = Number(process.argv[3] ?? 3600);
const now = Math.floor(Date.now() / 1000);
const enc = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const data = `${enc({ alg: "HS256", typ: "JWT" })}.${enc({ sub, iat: now, nbf: now, exp: now + ttl })}`;
console.log(`${data}.${createHmac("sha256", secret).update(data).digest("base64url")}`);
