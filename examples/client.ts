/**
 * The user agent against our own file server: follows the trailing-slash
 * redirect of examples/site/docs, then answers a Basic challenge in front
 * of a private route, and prints each chain of hops. Runs on Deno, Bun and
 * Node alike (it serves with the Node adapter, which all three can run).
 *
 * Run: node examples/client.ts   (or: deno run -A examples/client.ts, bun examples/client.ts)
 */

import { fileURLToPath } from "node:url";
import { createFileHandler, nodeFileSystem, serve } from "../src/adapters/node.ts";
import { chainOf, createClient, follow } from "../src/client/mod.ts";

const files = createFileHandler({
  root: fileURLToPath(new URL("./site", import.meta.url)),
  fs: nodeFileSystem(),
});

// /private answers 401 until it gets ada's credentials, then redirects to the docs.
function handler(request: Request): Response | Promise<Response> {
  if (new URL(request.url).pathname !== "/private") return files(request);
  if (request.headers.get("authorization") === `Basic ${btoa("ada:lovelace")}`) {
    return new Response(null, { status: 302, headers: { location: "/docs" } });
  }
  return new Response("who are you?\n", {
    status: 401,
    headers: { "www-authenticate": 'Basic realm="private", charset="UTF-8"' },
  });
}

const controller = new AbortController();
const server = await serve({ handler, port: 0, signal: controller.signal });
const show = (response: Response) =>
  chainOf(response).map((hop) => `${hop.method} ${hop.url} → ${hop.status}`).join("\n  ");

try {
  const docs = await follow(new URL("/docs", server.url));
  console.log(
    `follow(/docs): ${docs.status}, ${(await docs.text()).length} bytes\n  ${show(docs)}`,
  );

  const client = createClient({
    credentials: { origin: server.url.origin, username: "ada", password: "lovelace" },
  });
  const first = await client(new URL("/private", server.url));
  await first.body?.cancel();
  console.log(`client(/private): ${first.status}\n  ${show(first)}`);
  // The realm is remembered: the second call sends credentials at once.
  const second = await client(new URL("/private", server.url));
  await second.body?.cancel();
  console.log(`client(/private) again: ${second.status}\n  ${show(second)}`);
} finally {
  controller.abort();
  await server.finished;
}
