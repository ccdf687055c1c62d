/**
 * What the file handler reads of a request, so that an adapter may hand it
 * the request without building a web `Request`.
 *
 * @module
 */

/** Read access to request headers: a `Headers`, or a view of a runtime's own. */
export type HeaderReader = Pick<Headers, "get">;

/**
 * What the file handler reads of a request: its method, its absolute URL and
 * its header fields. A web `Request` is one.
 */
export interface RequestView {
  /** The method, e.g. `"GET"`. */
  method: string;
  /** The absolute URL, e.g. `"http://localhost:8000/a.txt?q"`. */
  url: string;
  /** The header fields. */
  headers: HeaderReader;
}
