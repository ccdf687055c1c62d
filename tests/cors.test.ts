import { test } from "node:test";
import assert from "node:assert/strict";
import { withCors } from "../src/core/cors.ts";
import { withBasicAuth } from "../src/core/basic_auth.ts";

const handler = withCors(() => new Response("data", { headers: { etag: '"1"' } }));

test("withCors() lets any origin read responses and exposes the range and validator fields", async () => {
  const response = await handler(
    new Request("http://localhost/a", { headers: { origin: "https://app.example" } }),
  );
  assert.equal(response.headers.get("access-control-allow-origin"), "*");
  assert.equal(
    response.headers.get("access-control-expose-headers"),
    "Content-Range, Accept-Ranges, ETag",
  );
  assert.equal(response.headers.get("etag"), '"1"');
  assert.equal(await response.text(), "data");
});

test("withCors() answers a preflight with the allowed methods and the asked headers", async () => {
  const response = await handler(
    new Request("http://localhost/a", {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "GET",
        "access-control-request-headers": "range, if-none-match",
      },
    }),
  );
  assert.equal(response.status, 204);
  assert.equal(response.headers.get("access-control-allow-methods"), "GET, HEAD, OPTIONS");
  assert.equal(response.headers.get("access-control-allow-headers"), "range, if-none-match");
  assert.equal(response.headers.get("access-control-allow-credentials"), null);
});

test("withCors() passes a plain OPTIONS (not a preflight) to the handler", async () => {
  const inner = withCors(() => new Response(null, { status: 204, headers: { allow: "GET" } }));
  const response = await inner(new Request("http://localhost/a", { method: "OPTIONS" }));
  assert.equal(response.headers.get("allow"), "GET");
});

test("withCors() copies the headers of a response whose headers are immutable", async () => {
  const immutable = Response.redirect("http://localhost/b", 302);
  const response = await withCors(() => immutable)(new Request("http://localhost/a"));
  assert.equal(response.status, 302);
  assert.equal(response.headers.get("location"), "http://localhost/b");
  assert.equal(response.headers.get("access-control-allow-origin"), "*");
});

test("withCors() answers preflights in front of Basic protection", async () => {
  const guarded = withCors(withBasicAuth(() => new Response("x"), {
    users: [{ username: "a", password: "b" }],
  }));
  const preflight = await guarded(
    new Request("http://localhost/a", {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "GET" },
    }),
  );
  assert.equal(preflight.status, 204);
});
