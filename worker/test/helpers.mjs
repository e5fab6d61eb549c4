// Helpers for the Worker's end-to-end tests: JWTs, a fake OCR API on 127.0.0.1, a TIFF header
// reader, a tiny PNG writer, and polling.
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { deflateSync, crc32 } from "node:zlib";
import { Log, LogLevel } from "miniflare";

const b64url = (buf) => Buffer.from(buf).toString("base64url");

/** A JWT signed with HMAC (HS256 unless told otherwise), or unsigned for alg "none". */
export function makeToken(claims, secret, { alg = "HS256", header = {} } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const h = b64url(JSON.stringify({ alg, typ: "JWT", ...header }));
  const p = b64url(JSON.stringify({ iat: now, exp: now + 3600, ...claims }));
  if (alg === "none") return `${h}.${p}.`;
  const hash = { HS256: "sha256", HS384: "sha384", HS512: "sha512" }[alg] ?? "sha256";
  const s = createHmac(hash, secret).update(`${h}.${p}`).digest("base64url");
  return `${h}.${p}.${s}`;
}

/**
 * The fake OCR API. `plan` is a list of behaviours used one per POST (the last one repeats):
 * { status, body?, headers? } or { hang: ms } (answers after ms, to trigger the timeout), or a
 * function (req, body) => such a step.
 * Every POST is recorded: method, url, headers, body bytes; `successes` counts the 200 answers
 * actually sent, per scan id. A GET (the Worker's cron probe) answers 200, or 503 while
 * `down` is true, without using the plan; `probes` counts them. `down = true` also answers
 * every POST 503; `stop()` / `start()` close and reopen the port (connection refused).
 */
export async function startFakeOcr({ port = 0 } = {}) {
  const fake = {
    requests: [],
    plan: [{ status: 200 }],
    served: 0,
    probes: 0,
    down: false,
    successes: new Map(),
    reset(plan) {
      this.plan = plan;
      this.served = 0;
    },
    forScan(id) {
      return this.requests.filter((r) => r.headers["x-scan-id"] === id);
    },
  };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      if (req.method === "GET") {
        fake.probes++;
        res.writeHead(fake.down ? 503 : 200, { "content-type": "application/json" });
        res.end(JSON.stringify({ status: fake.down ? "down" : "ok" }));
        return;
      }
      fake.requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      const planned = fake.plan[Math.min(fake.served, fake.plan.length - 1)];
      // A step may be a function of the request: (req, body) => step.
      const step = fake.down
        ? { status: 503 }
        : typeof planned === "function"
          ? planned(req, body)
          : planned;
      if (!fake.down) fake.served++;
      const answer = () => {
        const status = step.status ?? 200;
        const payload =
          step.body ??
          JSON.stringify(
            status === 200
              ? { text: "fake OCR text", bytes: body.length, scan_id: req.headers["x-scan-id"] }
              : { error: `fake failure ${status}` },
          );
        res.writeHead(status, { "content-type": "application/json", ...(step.headers ?? {}) });
        if (status === 200) {
          const id = req.headers["x-scan-id"];
          res.on("finish", () => fake.successes.set(id, (fake.successes.get(id) ?? 0) + 1));
        }
        res.end(payload);
      };
      if (step.hang) setTimeout(answer, step.hang);
      else answer();
    });
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  fake.port = server.address().port;
  fake.url = `http://127.0.0.1:${fake.port}/v1/ocr`;
  fake.healthUrl = `http://127.0.0.1:${fake.port}/health`;
  fake.listening = true;
  fake.close = () =>
    new Promise((resolve) => {
      fake.listening = false;
      server.closeAllConnections?.();
      server.close(() => resolve());
    });
  fake.stop = fake.close;
  fake.start = () =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(fake.port, "127.0.0.1", () => {
        fake.listening = true;
        server.off("error", reject);
        resolve();
      });
    });
  return fake;
}

/** Reads the first IFD of a TIFF: width, height, bits per sample, compression, photometric. */
export function readTiff(buf) {
  const le = buf.toString("latin1", 0, 2) === "II";
  const u16 = (o) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  if (u16(2) !== 42) throw new Error("not a TIFF");
  const ifd = u32(4);
  const n = u16(ifd);
  const tags = {};
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + i * 12;
    const tag = u16(e);
    const type = u16(e + 2);
    const value = type === 3 ? u16(e + 8) : u32(e + 8);
    tags[tag] = value;
  }
  return {
    width: tags[256],
    height: tags[257],
    bitsPerSample: tags[258] ?? 1,
    compression: tags[259],
    photometric: tags[262],
  };
}

/** An 8-bit grayscale PNG of one colour (compresses to almost nothing at any size). */
export function grayPng(width, height, level = 200) {
  const row = Buffer.alloc(width + 1, level);
  row[0] = 0;
  const raw = Buffer.alloc(row.length * height);
  for (let y = 0; y < height; y++) row.copy(raw, y * row.length);
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Polls `fn` until it returns a truthy value or the timeout passes. */
export async function waitFor(fn, { timeout = 30000, interval = 100, what = "condition" } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Applies every migration in ../migrations, in order, to a Miniflare D1 database. */
export async function migrate(db, dir) {
  const { readdirSync, readFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".sql")).sort()) {
    for (const stmt of sqlStatements(readFileSync(join(dir, f), "utf8"))) {
      await db.prepare(stmt).run();
    }
  }
}

/** Splits a SQL file into statements (no semicolons inside strings in our migrations). */
export function sqlStatements(text) {
  return text
    .split("\n")
    .map((l) => l.replace(/--.*$/, ""))
    .join("\n")
    .split(";")
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * For the measuring scripts: collects the Worker's log lines (Miniflare's log and the JSON
 * lines it prints through console.log) into `lines`. `log` goes in Miniflare's options;
 * `print` is the console.log that still reaches the terminal.
 */
export function captureLogs() {
  const lines = [];
  class Capture extends Log {
    constructor() {
      super(LogLevel.INFO);
    }
    log(message) {
      lines.push(message);
    }
  }
  const print = console.log;
  console.log = (...a) => {
    const text = a.join(" ");
    if (text.startsWith("{")) lines.push(text);
    else print(...a);
  };
  return { lines, log: new Capture(), print };
}
