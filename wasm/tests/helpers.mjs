// Shared by the package's Node tests: paths, the fixtures, the native CLI, a tiny PNG reader.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";

export const root = new URL("../../", import.meta.url).pathname;
export const fixtures = join(root, "fixtures");

/** The fixtures that are inputs (not ground truth), from fixtures/manifest.json. */
export function inputFixtures() {
  const manifest = JSON.parse(readFileSync(join(fixtures, "manifest.json"), "utf8"));
  return manifest.files.filter((f) => f.kind !== "truth");
}

/** FNV-1a 64-bit, as tests/golden.json records it (hex). */
export function fnv1a64(bytes) {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

/** Runs cargo in the workspace (quietly) and returns stdout. */
export function cargo(args) {
  return execFileSync("cargo", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
}

let cli;
/** The native `scanprep` CLI of this workspace, built if needed (dev profile, same bytes). */
export function nativeCli() {
  if (!cli) {
    cargo(["build", "-q", "-p", "scanprep-cli"]);
    cli = join(root, "target", "debug", "scanprep");
  }
  return cli;
}

/** Bytes the native CLI writes for `file` with extra flags. */
export function nativeOutput(file, ext, flags = []) {
  const dir = mkdtempSync(join(tmpdir(), "scanprep-native-"));
  const out = join(dir, `out.${ext}`);
  execFileSync(nativeCli(), ["process", file, "-o", out, ...flags], { stdio: "ignore" });
  return readFileSync(out);
}

/** What the native `scanprep detect` prints for `file` (JSON text). */
export function nativeDetect(file, flags = []) {
  return execFileSync(nativeCli(), ["detect", file, ...flags], { encoding: "utf8" });
}

/** The large benchmark inputs (A4 300 dpi PNG, 12 MP JPEG), generated once into target/. */
export function largeFixtures() {
  const dir = join(root, "target", "large-fixtures");
  const a4 = join(dir, "a4-300dpi.png");
  const photo = join(dir, "photo-12mp.jpg");
  if (!existsSync(a4) || !existsSync(photo)) {
    cargo(["run", "-q", "--release", "-p", "scanprep-fixtures", "--bin", "gen-fixtures", "--", "--large", dir]);
  }
  return { a4, photo };
}

/** Decodes an 8-bit grayscale, non-interlaced PNG (what the fixtures and the engine write). */
export function readGrayPng(bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  const idat = [];
  while (pos < bytes.length) {
    const len = dv.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const body = bytes.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      width = dv.getUint32(pos + 8);
      height = dv.getUint32(pos + 12);
      if (body[8] !== 8 || body[9] !== 0 || body[12] !== 0) throw new Error("not 8-bit gray");
    } else if (type === "IDAT") idat.push(body);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (width + 1)];
    const src = raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1));
    const row = out.subarray(y * width, (y + 1) * width);
    const up = y > 0 ? out.subarray((y - 1) * width, y * width) : new Uint8Array(width);
    for (let x = 0; x < width; x++) {
      const a = x > 0 ? row[x - 1] : 0;
      const b = up[x];
      const c = x > 0 ? up[x - 1] : 0;
      let p = 0;
      if (f === 1) p = a;
      else if (f === 2) p = b;
      else if (f === 3) p = (a + b) >> 1;
      else if (f === 4) {
        const q = a + b - c;
        const pa = Math.abs(q - a), pb = Math.abs(q - b), pc = Math.abs(q - c);
        p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      row[x] = (src[x] + p) & 255;
    }
  }
  return { width, height, data: out };
}

/** Gray → opaque RGBA (r = g = b), which the engine's luma maps back to the same gray. */
export function grayToRgba(gray) {
  const rgba = new Uint8ClampedArray(gray.data.length * 4);
  for (let i = 0; i < gray.data.length; i++) {
    const v = gray.data[i];
    rgba[4 * i] = v;
    rgba[4 * i + 1] = v;
    rgba[4 * i + 2] = v;
    rgba[4 * i + 3] = 255;
  }
  return { data: rgba, width: gray.width, height: gray.height };
}
