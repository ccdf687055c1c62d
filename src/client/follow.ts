/**
 * The user agent's recursion: send one hop; if the response is neither a
 * redirect to follow nor a challenge to answer, it is the result; otherwise
 * call again with the next hop, spending from a budget.
 *
 * @module
 */

import { answerChallenge, type AuthContext, authorize, preemptiveSpace } from "./authenticate.ts";
import { type ClientConfig, MAX_CHALLENGES, resolveClientOptions } from "./client_options.ts";
import { CredentialStore, type Space } from "./credential_store.ts";
import { discardBody } from "./discard_body.ts";
import { type ClientErrorOptions, NetworkError, TooManyChallengesError } from "./errors.ts";
import { attachChain, type Hop } from "./hop.ts";
import { type HopRequest, type StartedRequest, startRequest } from "./hop_request.ts";
import { redirectHop } from "./redirect.ts";
import type { OutgoingBody } from "./request_body.ts";

/** The state of one call, shared by its hops. */
interface Call {
  config: ClientConfig;
  store: CredentialStore;
  started: StartedRequest;
  chain: Hop[];
  redirects: number;
  answers: number;
  auth: AuthContext;
  /** The hop being decided on, and its response, for errors. */
  current: { hop: HopRequest; response?: Response };
}

function withoutFragment(url: URL): string {
  const copy = new URL(url);
  copy.hash = "";
  return copy.href;
}

function errorOptions(call: Call): ClientErrorOptions {
  const { hop, response } = call.current;
  let request: Request | undefined;
  try {
    request = new Request(withoutFragment(hop.url), { method: hop.method, headers: hop.headers });
  } catch {
    // A method that Request refuses: there is no request object to show.
  }
  return { url: call.started.hop.url.href, chain: call.chain, request, response };
}

async function send(
  call: Call,
  hop: HopRequest,
): Promise<{ response: Response; sent: Space | null }> {
  call.current = { hop };
  let sent = hop.answer ?? preemptiveSpace(call.auth, hop);
  const headers = new Headers(hop.headers);
  const authorization = sent === null ? null : await authorize(sent, hop);
  let outgoing: OutgoingBody | undefined;
  if (authorization === null) sent = null;
  else {
    headers.set("authorization", authorization.header);
    const hashed = authorization.body;
    if (hashed !== undefined) {
      // auth-int hashed these exact bytes; the type fetch() would have added goes with them.
      outgoing = { body: hashed.bytes };
      if (hashed.type !== null && !headers.has("content-type")) {
        headers.set("content-type", hashed.type);
      }
    }
  }
  const { signal, init } = call.started;
  let response: Response;
  try {
    response = await call.config.fetch(withoutFragment(hop.url), {
      ...init,
      ...(outgoing ?? hop.body.take()),
      method: hop.method,
      headers,
      // On Deno, Bun and Node "manual" gives the real 3xx with its Location.
      redirect: "manual",
      signal,
    } as RequestInit);
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new NetworkError({ ...errorOptions(call), cause: error });
  }
  call.current.response = response;
  call.chain.push({ url: hop.url.href, method: hop.method, status: response.status });
  return { response, sent };
}

async function nextHop(
  call: Call,
  hop: HopRequest,
  response: Response,
  sent: Space | null,
): Promise<HopRequest | null> {
  if (response.status === 401) {
    const answer = await answerChallenge(call.auth, hop, response, sent);
    return answer === null ? null : { ...hop, answer };
  }
  if (sent !== null) call.store.remember(sent, hop.url);
  const { maxRedirects, stripHeaders } = call.config;
  const next = redirectHop(hop, response, {
    mode: call.started.redirect,
    left: maxRedirects - call.redirects,
    limit: maxRedirects,
    strip: stripHeaders,
    error: () => errorOptions(call),
  });
  if (next !== null) call.redirects++;
  return next;
}

// The recursion. Base case: a response that is neither a redirect to follow
// nor a challenge to answer. Each recursive call spends one redirect or one
// challenge answer, and both budgets end in a named error.
async function step(call: Call, hop: HopRequest): Promise<Response> {
  const { response, sent } = await send(call, hop);
  let next: HopRequest | null;
  try {
    next = await nextHop(call, hop, response, sent);
  } catch (error) {
    await response.body?.cancel().catch(() => {});
    throw error;
  }
  if (next === null) return attachChain(response, call.chain, call.redirects > 0);
  await discardBody(response);
  return step(call, next);
}

/**
 * Runs one call with a configuration and a credential store.
 *
 * @param config The validated options.
 * @param store The spaces known before the call; updated by it.
 * @param input The URL or Request.
 * @param init The request options.
 * @returns The result response.
 */
export async function runRequest(
  config: ClientConfig,
  store: CredentialStore,
  input: string | URL | Request,
  init?: RequestInit,
): Promise<Response> {
  const started = startRequest(input, init);
  const call: Call = {
    config,
    store,
    started,
    chain: [],
    redirects: 0,
    answers: 0,
    current: { hop: started.hop },
    auth: {
      store,
      lookup: config.lookup,
      userinfo: started.userinfo,
      answered: new Set(),
      staleRetried: new Set(),
      spend: () => {
        if (call.answers >= MAX_CHALLENGES) {
          throw new TooManyChallengesError(MAX_CHALLENGES, errorOptions(call));
        }
        call.answers++;
      },
    },
  };
  return await step(call, started.hop);
}

const DEFAULTS = resolveClientOptions({});

/**
 * A drop-in for `fetch()` that follows redirects and answers 401
 * challenges itself, by the rules of the Fetch standard's HTTP-redirect
 * fetch and RFC 9110 §11. It calls `fetch()` with `redirect: "manual"`.
 *
 * Each call starts with an empty credential store: it answers challenges
 * only with credentials from the input URL's userinfo (for that origin
 * only). For credentials from options, and a store kept between calls, use
 * `createClient()`.
 *
 * @param input The URL or Request, as for fetch().
 * @param init The request options, as for fetch(); `redirect: "manual"`
 * returns redirects as results, `"error"` rejects on one.
 * @returns The final response; `chainOf()` gives the hops.
 * @throws {ClientError} a named error: too many redirects or challenges, a
 * forbidden or invalid redirect target, a stream body that a redirect
 * needs again, or a network failure. An abort rejects as fetch() does.
 *
 * @example Fetching a folder through its trailing-slash redirect
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { chainOf, follow } from "@seed/fileserver/client";
 *
 * const response = await follow("http://127.0.0.1:8000/docs");
 * assert.equal(response.status, 200);
 * assert.deepEqual(chainOf(response).map((hop) => hop.status), [301, 200]);
 * ```
 */
export function follow(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  return runRequest(DEFAULTS, new CredentialStore(), input, init);
}
