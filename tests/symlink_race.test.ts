// Nothing outside the root, even under a race (CWE-367): another process
// swaps files, folders, and both, under the served root for symbolic links
// to files and folders outside it and back, as fast as it can, while
// clients request those paths through the running runtime's serve() with
// `symlinks: "inside"` and `"never"`: cached and uncached, whole, HEAD,
// ranges small and large, conditional. Every answer whose body, length,
// range or validators come from an outside file is a leak; the test wants
// none.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  linkSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeEtag } from "../src/core/conditional.ts";
import { SETTLE_MS } from "../src/core/file_cache.ts";
import type { Server } from "../src/adapters/_serve_options.ts";
import { runtimeServe } from "./_helpers/adapter.ts";
import { scriptCommand, startProcess, waitForOutput } from "./_helpers/cli.ts";
import { SWAPPED_FILES } from "./_helpers/link_swapper.ts";

const SWAPPER = fileURLToPath(new URL("./_helpers/link_swapper.ts", import.meta.url));
const WRITER = fileURLToPath(new URL("./_helpers/rename_writer.ts", import.meta.url));
const SWAP_MS = 4_000;
const CLIENTS = 6;

// Inside and outside files are each one byte value repeated, neither of
// them ASCII (so no error text or multipart header holds it), and every
// outside size differs from every inside size, so a leak shows in a body, a
// length, a Content-Range or an ETag.
const INSIDE = 0xa1;
const OUTSIDE = 0xb5;
const SIZES = { "small.txt": [2_000, 3_000], "large.bin": [200_000, 300_000] } as const;

function fill(byte: number, size: number): Uint8Array {
  return new Uint8Array(size).fill(byte);
}

/** BASE/root (served) and BASE/outside, as link_swapper.ts expects them. */
function buildTree(): string {
  const base = mkdtempSync(join(tmpdir(), "fileserver-race-"));
  const outside = join(base, "outside");
  const root = join(base, "root");
  for (const folder of [outside, join(outside, "dir", "sub"), join(root, "file")]) {
    mkdirSync(folder, { recursive: true });
  }
  for (const name of SWAPPED_FILES) {
    const [inside, secret] = SIZES[name as keyof typeof SIZES];
    writeFileSync(join(outside, name), fill(OUTSIDE, secret));
    writeFileSync(join(outside, "dir", name), fill(OUTSIDE, secret));
    for (const folder of ["file", "dir", "both"]) {
      mkdirSync(join(root, folder), { recursive: true });
      writeFileSync(join(root, folder, name), fill(INSIDE, inside));
      if (folder !== "dir") linkSync(join(root, folder, name), join(root, folder, ".keep-" + name));
    }
  }
  writeFileSync(join(outside, "dir", "sub", "small.txt"), fill(OUTSIDE, 3_000));
  mkdirSync(join(root, "dir", "sub"));
  writeFileSync(join(root, "dir", "sub", "small.txt"), fill(INSIDE, 2_000));
  for (const folder of ["dir", "both"]) {
    symlinkSync(join(outside, "dir"), join(root, `.link-${folder}`));
  }
  return base;
}

interface Probe {
  path: string;
  method: "GET" | "HEAD";
  headers: Record<string, string>;
}

const PATHS = [
  "/file/small.txt",
  "/file/large.bin",
  "/dir/small.txt",
  "/dir/large.bin",
  "/dir/sub/small.txt",
  "/both/small.txt",
  "/both/large.bin",
];

function probes(secretEtags: string[]): Probe[] {
  const list: Probe[] = [];
  for (const path of PATHS) {
    list.push({ path, method: "GET", headers: {} });
    list.push({ path, method: "HEAD", headers: {} });
    list.push({ path, method: "GET", headers: { range: "bytes=10-1000" } });
    // Past the inside file's end and within the outside one's: 416 inside.
    list.push({ path, method: "GET", headers: { range: "bytes=2500-2600" } });
    list.push({ path, method: "HEAD", headers: { range: "bytes=0-99" } });
    list.push({ path, method: "GET", headers: { "if-none-match": secretEtags.join(", ") } });
    if (path.endsWith(".bin")) {
      list.push({ path, method: "GET", headers: { range: "bytes=100-150000" } });
      list.push({ path, method: "GET", headers: { range: "bytes=0-9,100000-199999" } });
    }
  }
  return list;
}

interface Tally {
  answers: number;
  inside: number;
  cut: number;
  leaks: string[];
  unexpected: string[];
}

function judge(
  probe: Probe,
  response: Response,
  body: Uint8Array,
  secrets: { sizes: string[]; etags: string[] },
  tally: Tally,
): void {
  tally.answers++;
  const what = `${probe.method} ${probe.path} ${
    JSON.stringify(probe.headers)
  } → ${response.status}`;
  const length = response.headers.get("content-length") ?? "";
  const range = response.headers.get("content-range") ?? "";
  const etag = response.headers.get("etag") ?? "";
  if (body.includes(OUTSIDE)) tally.leaks.push(`${what}: outside bytes in the body`);
  else if (secrets.sizes.includes(length) && !range) {
    tally.leaks.push(`${what}: the outside file's length ${length}`);
  } else if (secrets.sizes.some((size) => range.endsWith("/" + size))) {
    tally.leaks.push(`${what}: the outside file's size in ${range}`);
  } else if (secrets.etags.includes(etag)) tally.leaks.push(`${what}: the outside ETag ${etag}`);
  else if (response.status === 304) tally.leaks.push(`${what}: the outside ETag matched`);
  else if (response.status === 200 || response.status === 206) tally.inside++;
  // 404 while an entry is aside or a link, 416 past the inside file's end,
  // 503 when a file kept changing: all honest. Anything else is not.
  else if (![404, 416, 503].includes(response.status)) tally.unexpected.push(what);
}

async function hammer(
  servers: Server[],
  list: Probe[],
  secrets: { sizes: string[]; etags: string[] },
  done: () => boolean,
): Promise<Tally> {
  const tally: Tally = { answers: 0, inside: 0, cut: 0, leaks: [], unexpected: [] };
  const client = async (n: number) => {
    // Bounded by the swapper's time, and by a count in case it hangs.
    for (let i = n; !done() && i < 200_000; i += CLIENTS) {
      const probe = list[i % list.length];
      const server = servers[Math.floor(i / list.length) % servers.length];
      try {
        const response = await fetch(new URL(probe.path, server.url), {
          method: probe.method,
          headers: probe.headers,
        });
        const body = new Uint8Array(await response.arrayBuffer());
        judge(probe, response, body, secrets, tally);
      } catch (error) {
        // A later part of a multipart body opened after a swap: the body is
        // cut, which is honest. Any other failure is not.
        if (probe.headers.range?.includes(",")) tally.cut++;
        else {
          tally.unexpected.push(
            `${probe.method} ${probe.path} ${JSON.stringify(probe.headers)}: ${
              (error as Error).message
            }`,
          );
        }
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
  return tally;
}

test("serve() never answers with a file outside the root while links are swapped in and out", {
  timeout: 60_000,
}, async () => {
  const base = buildTree();
  const root = join(base, "root");
  const serve = await runtimeServe();
  const controller = new AbortController();
  const servers = [
    await serve({ root, port: 0, symlinks: "inside", signal: controller.signal }),
    await serve({ root, port: 0, symlinks: "never", signal: controller.signal }),
  ];
  const secretInfo = SWAPPED_FILES.map((name) => statSync(join(base, "outside", name)))
    .concat(SWAPPED_FILES.map((name) => statSync(join(base, "outside", "dir", name))));
  const secrets = {
    sizes: ["3000", "300000"],
    etags: secretInfo.map((info) => makeEtag(info.size, info.mtimeMs)),
  };
  const list = probes(secrets.etags);
  try {
    // Settled files are cached: every path is asked once before the race,
    // so that hits (checked by lstat) are raced too.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS + 300));
    for (const server of servers) {
      for (const path of PATHS) {
        const response = await fetch(new URL(path, server.url));
        assert.equal(response.status, 200, `${path} before the race`);
        await response.arrayBuffer();
      }
    }
    const [command, argv] = scriptCommand(SWAPPER, [base, String(SWAP_MS)]);
    const swapper = startProcess(command, argv);
    await waitForOutput(swapper, /^ready$/m);
    let swapping = true;
    const exited = swapper.exited.finally(() => (swapping = false));
    const tally = await hammer(servers, list, secrets, () => !swapping);
    assert.equal(await exited, 0, swapper.stderr());
    const rounds = Number(/done (\d+)/.exec(swapper.stdout())?.[1]);
    assert.deepEqual(
      tally.leaks.slice(0, 5),
      [],
      `${tally.leaks.length} leaks in ${tally.answers} answers over ${rounds} swap rounds`,
    );
    assert.deepEqual(tally.unexpected.slice(0, 5), [], `${tally.unexpected.length} unexpected`);
    // The race was really run: many swaps, and files served during them.
    assert.ok(rounds > 1_000, `only ${rounds} swap rounds`);
    assert.ok(tally.inside > 300, `only ${tally.inside} inside answers of ${tally.answers}`);
  } finally {
    controller.abort();
    await Promise.all(servers.map((server) => server.finished));
    rmSync(base, { recursive: true, force: true });
  }
});

test("serve() never answers 404 for a file that is renamed over, again and again", {
  timeout: 30_000,
}, async () => {
  const base = mkdtempSync(join(tmpdir(), "fileserver-rename-"));
  const file = join(base, "page.txt");
  writeFileSync(file, "version 0\n");
  const serve = await runtimeServe();
  const controller = new AbortController();
  const server = await serve({ root: base, port: 0, signal: controller.signal });
  const [command, argv] = scriptCommand(WRITER, [file, "2000"]);
  const writer = startProcess(command, argv);
  try {
    await waitForOutput(writer, /^ready$/m);
    let writing = true;
    const exited = writer.exited.finally(() => (writing = false));
    const statuses = new Map<number, number>();
    await Promise.all(Array.from({ length: 4 }, async () => {
      for (let i = 0; writing && i < 50_000; i++) {
        const response = await fetch(new URL("/page.txt", server.url));
        const text = await response.text();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 200) assert.match(text, /^(?:version \d+\n)+$/);
      }
    }));
    assert.equal(await exited, 0, writer.stderr());
    // Always there: only whole versions, or 503 when it kept changing.
    assert.deepEqual([...statuses.keys()].filter((s) => s !== 200 && s !== 503), []);
    assert.ok((statuses.get(200) ?? 0) > 100, JSON.stringify([...statuses]));
  } finally {
    controller.abort();
    await server.finished;
    rmSync(base, { recursive: true, force: true });
  }
});
