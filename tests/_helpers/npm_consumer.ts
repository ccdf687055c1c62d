import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// A TypeScript project that consumes the installed npm package the way a
// Node user's does: strict, skipLibCheck off, no @types/bun and no Deno lib,
// with the real hono, express and @types/express (linked from the repo's
// node_modules, so no download). tests/npm_package.test.ts runs tsc on it.

/** The module settings a consumer's tsconfig can pick, one project each. */
export const RESOLUTIONS = {
  // A bundler user's project usually has the DOM lib.
  bundler: { module: "esnext", moduleResolution: "bundler", lib: ["es2023", "dom"] },
  // A Node server's project: Request and Response come from @types/node alone.
  node16: { module: "node16", moduleResolution: "node16", lib: ["es2023"] },
} as const;

/** Each line is wrong; a `@ts-expect-error` that no error meets fails tsc (TS2578). */
const MUST_FAIL = `
// @ts-expect-error: dotfiles is "ignore" | "deny" | "allow"
createFileHandler({ root: ".", fs: nodeFileSystem(), dotfiles: "hide" });
// @ts-expect-error: fs is required by the core
createFileHandler({ root: "." });
// @ts-expect-error: onNotFound is "next" | "404"
serveStatic({ root: ".", onNotFound: 404 });
// @ts-expect-error: fallthrough is a boolean
serveFiles({ root: ".", fallthrough: "yes" });
// @ts-expect-error: std's showDirListing is a boolean
serveDir(new Request("http://localhost/"), { showDirListing: "yes" });
// @ts-expect-error: serve() resolves to a Server, whose url is a URL
export const port: Promise<string> = serve({ handler }).then((server) => server.url);
`;

function consumer(subpaths: string[]): string {
  // A namespace import of every export, the Deno and Bun ones included: their
  // declarations must not need Deno's or Bun's global types.
  const every = subpaths.map((subpath, index) =>
    `import * as export${index} from "@seed/fileserver${subpath.slice(1)}";`
  );
  return `${every.join("\n")}
import { createFileHandler, type FileHandlerOptions } from "@seed/fileserver";
import { nodeFileSystem, serve, type Server } from "@seed/fileserver/node";
import { createClient, follow } from "@seed/fileserver/client";
import { serveStatic } from "@seed/fileserver/hono";
import { serveFiles } from "@seed/fileserver/express";
import { serveDir, serveFile } from "@seed/fileserver/std";
import { Hono } from "hono";
import express from "express";

export const everyExport = [${subpaths.map((_, index) => `export${index}`).join(", ")}];

const options: FileHandlerOptions = { root: ".", fs: nodeFileSystem(), dotfiles: "deny" };
const handler: (request: Request) => Promise<Response> = createFileHandler(options);
export async function start(signal: AbortSignal): Promise<URL> {
  const server: Server = await serve({ handler, port: 0, hostname: "127.0.0.1", signal });
  await server.finished;
  return server.url;
}
export const fetched: Promise<Response> = follow("http://localhost/");
export const client: (url: string) => Promise<Response> = createClient({});

const hono = new Hono();
hono.use("/static/*", serveStatic({ root: "./public", onNotFound: "next" }));
hono.get("/", (c) => c.text("home"));
export const honoFetch: (request: Request) => Response | Promise<Response> = hono.fetch;

const app = express();
app.use("/files", serveFiles({ root: ".", fallthrough: false }));
app.get("/", (_req, res) => res.send("home"));

export const stdDir: Promise<Response> = serveDir(new Request("http://localhost/"), {
  fsRoot: "public",
  urlRoot: "static",
  showDirListing: true,
  headers: ["X-Served-By: std drop-in"],
});
export const stdFile: Promise<Response> = serveFile(new Request("http://localhost/"), "a.txt");
${MUST_FAIL}`;
}

/** A consumer file whose one error the test expects tsc to report. */
export const WRONG = `import { createFileHandler } from "@seed/fileserver";
import { nodeFileSystem } from "@seed/fileserver/node";
createFileHandler({ root: 42, fs: nodeFileSystem() });
`;

/**
 * Writes one tsc project per entry of {@linkcode RESOLUTIONS} under `app`
 * (where the package is installed), importing each of `subpaths`.
 */
export function writeConsumers(app: string, root: string, subpaths: string[]): void {
  mkdirSync(join(app, "node_modules", "@types"), { recursive: true });
  for (const name of ["hono", "express", "@types/express", "@types/node"]) {
    symlinkSync(join(root, "node_modules", name), join(app, "node_modules", name), "dir");
  }
  for (const [name, settings] of Object.entries(RESOLUTIONS)) {
    const dir = join(app, `types-${name}`);
    mkdirSync(dir);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    const compilerOptions = {
      ...settings,
      target: "es2023",
      types: ["node"],
      strict: true,
      skipLibCheck: false,
      esModuleInterop: true,
      noEmit: true,
    };
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({ compilerOptions, files: ["consumer.ts"] }, null, 2),
    );
    writeFileSync(
      join(dir, "tsconfig.wrong.json"),
      JSON.stringify({ extends: "./tsconfig.json", files: ["wrong.ts"] }),
    );
    writeFileSync(join(dir, "consumer.ts"), consumer(subpaths));
    writeFileSync(join(dir, "wrong.ts"), WRONG);
  }
}
