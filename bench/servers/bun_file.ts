/**
 * The minimal static handler on Bun: path → `Bun.file`, 404 when missing.
 * `bun bench/servers/bun_file.ts PORT ROOT`.
 *
 * @module
 */

import { join, resolve, sep } from "node:path";
import process from "node:process";
import { bunGlobal, serveUntilSignal } from "./_bun.ts";

const [port, rootArg] = process.argv.slice(2);
const root = resolve(rootArg);
const bun = bunGlobal();

async function fetch(request: Request): Promise<Response> {
  let path: string;
  try {
    path = join(root, decodeURIComponent(new URL(request.url).pathname));
  } catch {
    return new Response("Bad Request", { status: 400 });
  }
  // Containment only, so that the bench server is not a file leak.
  if (!path.startsWith(root + sep)) return new Response("Not Found", { status: 404 });
  const file = bun.file(path);
  return await file.exists() ? new Response(file) : new Response("Not Found", { status: 404 });
}

serveUntilSignal(Number(port), fetch);
