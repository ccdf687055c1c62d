/**
 * The browser side of live reload, served at `/.fileserver/live.js`.
 *
 * @module
 */

/**
 * The client script: listens on the event stream, swaps the changed
 * stylesheets in place when only CSS changed, and reloads the page for
 * anything else, or when the server that answers is not the one (or no
 * longer at the point) it last heard from.
 */
export const LIVE_RELOAD_CLIENT = `// @seed/fileserver live reload (fileserver --watch)
(() => {
  "use strict";
  if (window.__fileserverLiveReload) return;
  window.__fileserverLiveReload = true;
  const source = new EventSource("/.fileserver/live");
  source.addEventListener("reload", () => location.reload());
  source.addEventListener("change", (event) => {
    let paths = null;
    try {
      paths = JSON.parse(event.data).paths;
    } catch {
      // A malformed event: reloading is always right.
    }
    if (!Array.isArray(paths) || paths.length === 0 || !paths.every(isCss)) {
      location.reload();
      return;
    }
    const links = [...document.querySelectorAll('link[rel~="stylesheet" i][href]')];
    const changed = new Set(paths);
    const named = links.filter((link) => changed.has(new URL(link.href).pathname));
    // A sheet pulled in by @import has no link of its own: refresh every one.
    for (const link of named.length > 0 ? named : links) swap(link);
  });
  function isCss(path) {
    return typeof path === "string" && /\\.css$/i.test(path);
  }
  // The new sheet replaces the old one once it has loaded, so the page is
  // never shown unstyled.
  function swap(link) {
    const url = new URL(link.href);
    url.searchParams.set("fileserver-live", String(Date.now()));
    const next = link.cloneNode();
    next.href = url.href;
    const done = () => link.remove();
    next.addEventListener("load", done, { once: true });
    next.addEventListener("error", done, { once: true });
    link.after(next);
  }
})();
`;
