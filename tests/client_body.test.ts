import { test } from "node:test";
import assert from "node:assert/strict";
import { chainOf, createClient, follow } from "../src/client/mod.ts";
import { ForbiddenSchemeError, UnreplayableBodyError } from "../src/client/errors.ts";
import { echo, redirect, startOrigin } from "./_helpers/client_servers.ts";
import { unauthorized } from "./_helpers/client_digest.ts";

const hops = (response: Response) =>
  chainOf(response).map((hop) => `${hop.method} ${new URL(hop.url).pathname} ${hop.status}`);

function streamOf(text: string): ReadableStream<Uint8Array> {
  return new Blob([text]).stream();
}

for (const status of [301, 302]) {
  test(`follow() turns POST into GET on ${status} and drops the body and Content-Type`, async () => {
    const a = await startOrigin({ "/form": () => redirect(status, "/done"), "/done": echo });
    try {
      const response = await follow(a.at("/form"), {
        method: "POST",
        body: "x=1",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-keep": "yes" },
      });
      const seen = await response.json();
      assert.deepEqual([seen.method, seen.body, seen.contentType], ["GET", "", null]);
      assert.equal(a.seen[1].headers.get("x-keep"), "yes");
      assert.deepEqual(hops(response), [`POST /form ${status}`, "GET /done 200"]);
    } finally {
      await a.stop();
    }
  });
}

test("follow() turns POST into GET on 303 and drops Content-Type", async () => {
  const a = await startOrigin({ "/form": () => redirect(303, "/done"), "/done": echo });
  try {
    const response = await follow(a.at("/form"), {
      method: "POST",
      body: JSON.stringify({ a: 1 }),
      headers: { "content-type": "application/json", "content-language": "en" },
    });
    const seen = await response.json();
    assert.deepEqual([seen.method, seen.body, seen.contentType], ["GET", "", null]);
    assert.equal(a.seen[1].headers.get("content-language"), null);
    assert.equal(a.seen[1].headers.get("content-length"), null);
  } finally {
    await a.stop();
  }
});

test("follow() turns PUT, DELETE and PATCH into GET on 303 and keeps HEAD", async () => {
  const a = await startOrigin({ "/it": () => redirect(303, "/other"), "/other": echo });
  try {
    for (const method of ["PUT", "DELETE", "PATCH"]) {
      const response = await follow(a.at("/it"), { method, body: "data" });
      assert.equal((await response.json()).method, "GET", method);
    }
    const head = await follow(a.at("/it"), { method: "HEAD" });
    assert.deepEqual(hops(head), ["HEAD /it 303", "HEAD /other 200"]);
  } finally {
    await a.stop();
  }
});

for (const status of [307, 308]) {
  test(`follow() keeps POST, its body and Content-Type on ${status}`, async () => {
    const a = await startOrigin({ "/form": () => redirect(status, "/done"), "/done": echo });
    try {
      const response = await follow(a.at("/form"), {
        method: "POST",
        body: "payload",
        headers: { "content-type": "text/x-test" },
      });
      const seen = await response.json();
      assert.deepEqual([seen.method, seen.body, seen.contentType], [
        "POST",
        "payload",
        "text/x-test",
      ]);
      assert.deepEqual(hops(response), [`POST /form ${status}`, "POST /done 200"]);
    } finally {
      await a.stop();
    }
  });
}

test("follow() keeps PUT and its body on 301 and 302: only POST becomes GET", async () => {
  const a = await startOrigin({
    "/301": () => redirect(301, "/302"),
    "/302": () => redirect(302, "/done"),
    "/done": echo,
  });
  try {
    const response = await follow(a.at("/301"), { method: "PUT", body: "v2" });
    const seen = await response.json();
    assert.deepEqual([seen.method, seen.body], ["PUT", "v2"]);
  } finally {
    await a.stop();
  }
});

const SOURCES: Array<[string, () => BodyInit]> = [
  ["string", () => "h\u00e9llo"],
  ["Uint8Array", () => new TextEncoder().encode("bytes")],
  ["DataView", () => new DataView(new TextEncoder().encode("xxviewxx").buffer, 2, 4)],
  ["ArrayBuffer", () => new TextEncoder().encode("buffer").buffer],
  ["Blob", () => new Blob(["blob"], { type: "text/x-blob" })],
  ["URLSearchParams", () => new URLSearchParams({ q: "a b", r: "\u00e9" })],
  ["FormData", () => {
    const form = new FormData();
    form.append("field", "value");
    form.append("file", new Blob(["content"], { type: "text/plain" }), "a.txt");
    return form;
  }],
];

for (const [name, make] of SOURCES) {
  test(`follow() replays a ${name} body with its Content-Type on 307 and 308`, async () => {
    const a = await startOrigin({
      "/1": () => redirect(307, "/2"),
      "/2": () => redirect(308, "/3"),
      "/3": echo,
    });
    try {
      const response = await follow(a.at("/1"), { method: "POST", body: make() });
      await response.body?.cancel();
      const [first, second, third] = a.seen;
      assert.ok(first.body.length > 0);
      const type = (seen: typeof first) =>
        seen.headers.get("content-type")?.replace(/boundary=.*$/, "boundary=");
      for (const later of [second, third]) {
        assert.equal(type(later), type(first));
        // A FormData is serialised anew on each hop, with a new boundary.
        const boundary = (seen: typeof first) =>
          /boundary=(.*)$/.exec(seen.headers.get("content-type") ?? "")?.[1] ?? "";
        assert.equal(
          later.body.replaceAll(boundary(later), "B"),
          first.body.replaceAll(boundary(first), "B"),
        );
      }
    } finally {
      await a.stop();
    }
  });
}

test("follow() sends the body as it was at the call, not as the caller changed it since", async () => {
  const bytes = new TextEncoder().encode("original");
  const a = await startOrigin({
    "/1": () => {
      bytes.set(new TextEncoder().encode("CHANGED!"));
      return redirect(307, "/2");
    },
    "/2": echo,
  });
  try {
    const response = await follow(a.at("/1"), { method: "POST", body: bytes });
    assert.equal((await response.json()).body, "original");
  } finally {
    await a.stop();
  }
});

test("follow() sends a stream body once and drops it when 303 turns POST into GET", async () => {
  const a = await startOrigin({ "/upload": () => redirect(303, "/done"), "/done": echo });
  try {
    const response = await follow(a.at("/upload"), { method: "POST", body: streamOf("streamed") });
    assert.equal((await response.json()).method, "GET");
    assert.equal(a.seen[0].body, "streamed");
  } finally {
    await a.stop();
  }
});

for (const [status, method] of [[307, "POST"], [308, "POST"], [301, "PUT"]] as const) {
  test(`follow() rejects a ${status} that needs a ${method} stream body again with UnreplayableBodyError`, async () => {
    const a = await startOrigin({ "/upload": () => redirect(status, "/again"), "/again": echo });
    try {
      const error = await follow(a.at("/upload"), { method, body: streamOf("once") }).catch((e) =>
        e
      );
      assert.ok(error instanceof UnreplayableBodyError, String(error));
      assert.deepEqual(error.chain.map((hop: { status: number }) => hop.status), [status]);
      assert.equal(error.response?.status, status);
      assert.deepEqual(a.seen.map((seen) => seen.url.pathname), ["/upload"]);
    } finally {
      await a.stop();
    }
  });
}

test("follow() returns a 401 as it is when the body was a stream", async () => {
  const a = await startOrigin({ "/upload": () => unauthorized('Basic realm="r"') });
  try {
    const response = await follow(a.at("/upload").replace("//", "//u:p@"), {
      method: "POST",
      body: streamOf("once"),
    });
    assert.equal(response.status, 401);
    assert.equal(await response.text(), "who are you?\n");
    assert.equal(a.seen.length, 1);
  } finally {
    await a.stop();
  }
});

test("follow() takes method, headers and body from a Request, its body as a one-shot stream", async () => {
  const a = await startOrigin({
    "/303": () => redirect(303, "/done"),
    "/307": () => redirect(307, "/done"),
    "/done": echo,
  });
  try {
    const request = (path: string) =>
      new Request(a.at(path), {
        method: "POST",
        body: "from a Request",
        headers: { "x-from": "request" },
      });
    const ok = await follow(request("/303"));
    assert.equal((await ok.json()).method, "GET");
    assert.equal(a.seen[0].body, "from a Request");
    assert.equal(a.seen[1].headers.get("x-from"), "request");
    await assert.rejects(follow(request("/307")), UnreplayableBodyError);
    // init overrides the Request, as in new Request(request, init): a string
    // in init is replayable.
    const replayed = await follow(request("/307"), { body: "from init" });
    assert.equal((await replayed.json()).body, "from init");
  } finally {
    await a.stop();
  }
});

// A delegate that records, before each call, what became of the previous
// response's body.
function recordingFetch(log: string[]) {
  return async (input: string | URL | Request, init?: RequestInit) => {
    log.push(`fetch ${new URL(String(input)).pathname}`);
    const response = await fetch(input, init);
    const reader = response.body!.getReader();
    const status = response.status;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          log.push(`drained ${status}`);
          controller.close();
        } else controller.enqueue(value);
      },
      cancel(reason) {
        log.push(`cancelled ${status}`);
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status, headers: response.headers });
  };
}

test("createClient() drains short 3xx and 401 bodies and cancels long ones before the next call", async () => {
  const long = "x".repeat(256 * 1024);
  const a = await startOrigin({
    "/1": () => redirect(302, "/2"),
    "/2": () => new Response(long, { status: 307, headers: { location: "/3" } }),
    "/3": (seen) =>
      seen.headers.has("authorization") ? redirect(301, "/4") : unauthorized('Basic realm="r"'),
    "/4": echo,
  });
  try {
    const log: string[] = [];
    const client = createClient({
      fetch: recordingFetch(log),
      credentials: { origin: a.origin, username: "u", password: "p" },
    });
    const response = await client(a.at("/1"));
    assert.equal((await response.json()).path, "/4");
    assert.deepEqual(log, [
      "fetch /1",
      "drained 302",
      "fetch /2",
      "cancelled 307",
      "fetch /3",
      "drained 401",
      "fetch /3",
      "drained 301",
      "fetch /4",
      "drained 200",
    ]);
  } finally {
    await a.stop();
  }
});

test("createClient() cancels the body of a redirect it refuses", async () => {
  const a = await startOrigin({ "/1": () => redirect(302, "gopher://x/") });
  try {
    const log: string[] = [];
    const error = await createClient({ fetch: recordingFetch(log) })(a.at("/1")).catch((e) => e);
    assert.ok(error instanceof ForbiddenSchemeError);
    assert.deepEqual(log, ["fetch /1", "cancelled 302"]);
  } finally {
    await a.stop();
  }
});
