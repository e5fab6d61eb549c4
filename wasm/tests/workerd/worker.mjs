// A Cloudflare Worker that imports the package's `workerd` entry, as wrangler would resolve it:
// POST an image, get the processed bytes and the report in a header.
import { createPdf, preprocess, memoryBytes } from "../../js/workerd.js";

export default {
  async fetch(request) {
    try {
      const url = new URL(request.url);
      const options = JSON.parse(url.searchParams.get("options") ?? "{}");
      const out = await preprocess(new Uint8Array(await request.arrayBuffer()), options);
      if (url.pathname === "/pdf") {
        const pdf = await createPdf([out, out], { title: "From workerd" });
        return new Response(pdf, { headers: { "content-type": "application/pdf" } });
      }
      return new Response(out.bytes, {
        headers: {
          "content-type": out.mimeType,
          "x-report": JSON.stringify(out.report),
          "x-memory": String(memoryBytes()),
        },
      });
    } catch (e) {
      return Response.json({ name: e.name, code: e.code, message: e.message }, { status: 422 });
    }
  },
};
