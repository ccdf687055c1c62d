/**
 * `fileserver [serve] [DIR]`: serve a folder until SIGINT or SIGTERM.
 *
 * @module
 */

import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { join, resolve } from "node:path";
import type { BasicCredentials } from "../core/basic_auth.ts";
import { createFileHandler } from "../core/handler.ts";
import { describeCache, explainCache, fixedCacheControl } from "./cache_explain.ts";
import { liveReloadFor, withAccessRules } from "../adapters/_serve_options.ts";
import type { LiveReload } from "../adapters/_live_reload.ts";
import type { ServeArgs } from "./args.ts";
import { UsageError } from "./args.ts";
import { accessLog } from "./access_log.ts";
import type { RuntimeAdapter } from "./runtime.ts";
import { CliError, type Io } from "./io.ts";
import { missingPermission } from "./missing_permission.ts";

/**
 * Runs the serve command; resolves with the exit status once the server has
 * stopped.
 *
 * @param args The parsed command line.
 * @param adapter The running runtime's adapter.
 * @param io Output streams and signal registration.
 * @returns The exit status.
 */
export async function serveCommand(
  args: ServeArgs,
  adapter: RuntimeAdapter,
  io: Io,
): Promise<number> {
  // Answered from the flags alone: no folder, no port.
  if (args.cacheExplain.length > 0) {
    const fixed = fixedCacheControl(args.headers);
    for (const line of explainCache(args.cache, args.cacheExplain, fixed)) io.out(line);
    return 0;
  }
  const root = checkedRoot(args.dir);
  const tls = readTls(args);
  const users = readUsers(args);
  const notFound = notFoundPage(root, args);
  const live = args.watch ? liveReloadFor(root, "", adapter.name === "deno") : null;
  const files = fileHandler(root, adapter, { ...args, notFound }, live);
  if (args.spa !== null) checkedFile(root, args.dir, args.spa, "--spa");
  if (args.notFound !== null) checkedFile(root, args.dir, args.notFound, "--404");
  const handler = withAccessRules(live === null ? files : live.wrap(files), {
    auth: users.length === 0 ? undefined : { users },
    cors: args.cors,
  });
  const log = accessLog(args.logFormat, io.out);
  const controller = new AbortController();
  let server;
  try {
    server = await adapter.serve({
      handler,
      ...(args.quiet ? {} : { onResponseDone: log.onResponseDone }),
      port: args.port,
      hostname: args.host,
      signal: controller.signal,
      gracePeriodMs: args.graceSeconds * 1000,
      reusePort: args.reusePort,
      headersTimeoutMs: Math.round(args.headersTimeoutSeconds * 1000),
      idleTimeoutMs: Math.round(args.idleTimeoutSeconds * 1000),
      requestTimeoutMs: Math.round(args.requestTimeoutSeconds * 1000),
      ...(tls === null ? {} : { tls }),
    });
  } catch (error) {
    throw listenError(error, args);
  }
  // Event streams never end by themselves: they are ended at once, so the
  // grace period waits only for real responses.
  controller.signal.addEventListener("abort", () => live?.close(), { once: true });
  live?.start();
  const started = performance.now();
  io.out(banner(root, server.url, { ...args, notFound }));
  io.onSignals((count) => {
    if (count > 1) return io.exit(130);
    io.err(
      `Stopping: finishing responses in flight (up to ${args.graceSeconds}s); ` +
        "press Ctrl-C again to stop at once.",
    );
    controller.abort();
  });
  await server.finished;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const served = args.quiet ? "" : ` after ${log.count()} request(s)`;
  io.out(`Stopped${served}, up ${seconds}s.`);
  return 0;
}

function fileHandler(
  root: string,
  adapter: RuntimeAdapter,
  args: ServeArgs,
  live: LiveReload | null,
) {
  try {
    return createFileHandler({
      ...(live === null ? {} : { htmlSnippet: live.snippet }),
      root,
      fs: adapter.fileSystem(),
      listing: args.listing,
      precompressed: args.precompressed,
      compress: args.compress ? adapter.compressor() : false,
      etag: args.etag,
      archive: args.zip ? adapter.archiver() : false,
      dotfiles: args.dotfiles,
      index: args.index,
      headers: args.headers,
      spa: args.spa ?? false,
      ...(args.notFound === null ? {} : { notFound: args.notFound }),
      cleanUrls: args.cleanUrls,
      cacheControl: args.cache,
    });
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    // The core names its options; the person typed flags.
    throw new UsageError(
      error.message.replace('"spa"', "--spa").replace('"notFound"', "--404")
        .replace('"dotfiles" is "allow"', "--dotfiles allow is given")
        .replace(/^Cannot create file handler: /, ""),
    );
  }
}

// The core answers 404 when the shell or the page is missing at request
// time (it may be written later); at startup a missing one is a typo.
function checkedFile(root: string, dir: string, file: string, flag: string): void {
  let isFile = false;
  try {
    isFile = statSync(join(root, file)).isFile();
  } catch (error) {
    const denied = missingPermission(error);
    if (denied !== null) throw new CliError(`Cannot use ${flag} "${file}": ${denied}`);
  }
  if (!isFile) throw new CliError(`Cannot use ${flag} "${file}": no such file in "${dir}"`);
}

// 404.html at the root is what static-site generators and hosts (GitHub
// Pages, Netlify, Cloudflare Pages) use, so the CLI picks it up by itself.
function notFoundPage(root: string, args: ServeArgs): string | null {
  if (args.notFound !== null || args.noNotFound) return args.notFound;
  try {
    return statSync(join(root, "404.html")).isFile() ? "404.html" : null;
  } catch {
    return null;
  }
}

function checkedRoot(dir: string): string {
  const root = resolve(dir);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(root).isDirectory();
  } catch (error) {
    throw new CliError(`Cannot serve "${dir}": ${missingPermission(error) ?? "no such folder"}`);
  }
  if (!isDirectory) throw new CliError(`Cannot serve "${dir}": not a folder`);
  return root;
}

function readTls(args: ServeArgs): { cert: string; key: string } | null {
  if (args.cert === null && args.key === null) return null;
  if (args.cert === null || args.key === null) {
    throw new UsageError("--cert and --key go together");
  }
  const cert = readText(args.cert, "certificate");
  const key = readText(args.key, "key");
  // Checked here because each runtime's TLS stack reports a bad PEM in its
  // own words (OpenSSL codes on Node, BoringSSL on Bun, rustls on Deno).
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new CliError(`Cannot use certificate "${args.cert}": not a PEM certificate`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new CliError(`Cannot use key "${args.key}": not an unencrypted PEM private key`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new CliError(
      `Cannot use key "${args.key}": it does not match certificate "${args.cert}"`,
    );
  }
  return { cert, key };
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const reason = missingPermission(error) ?? (error as { code?: string }).code ?? "unreadable";
    throw new CliError(`Cannot read ${what} "${path}": ${reason}`);
  }
}

function readUsers(args: ServeArgs): BasicCredentials[] {
  const users = args.auth.map((line) => {
    const user = credentialsOf(line);
    if (user === null) {
      throw new UsageError("Malformed --auth: write USER:PASS", "Example: --auth ada:s3cret");
    }
    return user;
  });
  if (args.authFile === null) return users;
  const text = readText(args.authFile, "auth file");
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const user = credentialsOf(line);
    // The line number, never the line: it holds a password.
    if (user === null) throw new CliError(`${args.authFile}:${i + 1}: expected USER:PASS`);
    users.push(user);
  });
  return users;
}

function credentialsOf(line: string): BasicCredentials | null {
  const colon = line.indexOf(":");
  if (colon <= 0) return null;
  return { username: line.slice(0, colon), password: line.slice(colon + 1) };
}

function listenError(error: unknown, args: ServeArgs): Error {
  const e = error as { code?: string; name?: string };
  const denied = missingPermission(error);
  if (denied !== null) return new CliError(`Cannot listen on ${args.host}:${args.port}: ${denied}`);
  if (e.code === "EADDRINUSE" || e.name === "AddrInUse") {
    // SO_REUSEPORT shares a port only among sockets that all set it.
    const hint = args.reusePort
      ? "every process sharing it needs --reuse-port"
      : "try --port 0 for a free one";
    return new CliError(`Cannot listen on ${args.host}:${args.port}: the port is in use (${hint})`);
  }
  if (e.code === "EACCES" || e.name === "PermissionDenied") {
    return new CliError(`Cannot listen on ${args.host}:${args.port}: permission denied`);
  }
  if (error instanceof TypeError || error instanceof RangeError) {
    return new UsageError(error.message);
  }
  return new CliError(
    `Cannot listen on ${args.host}:${args.port}: ${e.code ?? e.name ?? "failed"}`,
  );
}

function banner(root: string, url: URL, args: ServeArgs): string {
  const lines = [`Serving ${root}`, `  Local:    ${url.href}`];
  if (args.host === "0.0.0.0" || args.host === "::") {
    try {
      for (const address of externalAddresses()) {
        lines.push(`  Network:  ${url.protocol}//${address}:${url.port}/`);
      }
    } catch (error) {
      // Listing the addresses is a nicety: the server listens already.
      const denied = missingPermission(error);
      if (denied === null) throw error;
      lines.push(`  Network:  not listed (${denied})`);
    }
  } else if (args.host === "127.0.0.1" || args.host === "localhost" || args.host === "::1") {
    lines.push("  Only this machine can connect; use --host 0.0.0.0 to share it on your network.");
  }
  if (args.listing) {
    lines.push(
      args.zip
        ? "  Folders without an index are listed, and offered as zip downloads."
        : "  Folders without an index are listed.",
    );
  }
  if (args.spa !== null) lines.push(`  Page URLs that name no file get ${args.spa} (SPA).`);
  if (args.notFound !== null) lines.push(`  Missing pages get ${args.notFound} with status 404.`);
  if (args.cleanUrls) lines.push("  Clean URLs: /about serves about.html.");
  if (args.watch) lines.push("  Live reload: open pages reload when a file changes (--watch).");
  lines.push(`  Cache:    ${describeCache(args.cache, fixedCacheControl(args.headers))}`);
  lines.push("Press Ctrl-C to stop.");
  return lines.join("\n");
}

function externalAddresses(): string[] {
  const found: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (!info.internal && info.family === "IPv4") found.push(info.address);
    }
  }
  return found;
}
