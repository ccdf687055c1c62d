/**
 * The fixed parts of the HTML listing page (its one inline style, its one
 * inline script, its icons) and the `Content-Security-Policy` that allows
 * exactly those: their SHA-256 hashes, never `'unsafe-inline'` or a nonce,
 * so the page stays cacheable and a name that slipped past escaping could
 * still run nothing.
 *
 * @module
 */

/** The page's stylesheet: light and dark, 390 px wide and up, visible focus. */
export const LISTING_STYLE =
  `:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--link:#0550ae;--hover:#f6f8fa;--focus:#0969da;--dir:#9a6700}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--link:#4493f8;--hover:#151b23;--focus:#4493f8;--dir:#d29922}}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;padding:1.25rem 1rem 2rem;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:64rem;margin:0 auto}
h1{font-size:1.3rem;font-weight:600;margin:0 0 .75rem;overflow-wrap:anywhere}
a{color:var(--link);text-decoration:none}
a:hover{text-decoration:underline}
a:focus-visible,input:focus-visible{outline:3px solid var(--focus);outline-offset:1px;border-radius:3px}
.bar{display:flex;flex-wrap:wrap;gap:.5rem 1.25rem;align-items:center;margin:0 0 .5rem}
.bar label{margin-right:.4rem}
input{font:inherit;color:inherit;background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.25rem .5rem;width:14rem;max-width:100%}
output{color:var(--muted)}
table{width:100%;border-collapse:collapse;table-layout:fixed}
caption{caption-side:top;text-align:left;color:var(--muted);padding:0 0 .35rem}
th,td{padding:.3rem .5rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-weight:600;white-space:nowrap}
th a{color:inherit}
td:first-child{overflow-wrap:anywhere}
th:nth-child(2),td:nth-child(2){width:6.5rem;text-align:right;white-space:nowrap}
th:nth-child(3),td:nth-child(3){width:9.5rem}
td:nth-child(n+2){color:var(--muted);font-variant-numeric:tabular-nums}
tbody tr:hover{background:var(--hover)}
.i{width:1.15em;height:1.15em;vertical-align:-.22em;margin-right:.45em;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
.d{color:var(--dir)}
.tag{font-size:.75em;border:1px solid var(--line);border-radius:1em;padding:0 .45em;margin-left:.45em;color:var(--muted);white-space:nowrap}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
@media (max-width:36rem){body{padding:1rem .5rem 1.5rem}th,td{padding:.3rem .3rem}th{white-space:normal}th:nth-child(2),td:nth-child(2){width:4.6rem}th:nth-child(3),td:nth-child(3){width:5.9rem}td:nth-child(n+2){font-size:.85em}}`;

/**
 * The page's script: dates in the reader's local time (UTC without it),
 * and the filter box, shown only when scripts run (the sort links work
 * without it). No inline handlers: the CSP allows this
 * one script by its hash and nothing else.
 */
export const LISTING_SCRIPT =
  `(()=>{const p=(n)=>String(n).padStart(2,"0");for(const t of document.querySelectorAll("time[datetime]")){const d=new Date(t.dateTime);t.textContent=d.getFullYear()+"-"+p(d.getMonth()+1)+"-"+p(d.getDate())+" "+p(d.getHours())+":"+p(d.getMinutes());t.title=d.toString()}for(const z of document.querySelectorAll(".tz"))z.remove();const f=document.getElementById("filter");if(!f)return;const rows=Array.from(document.querySelectorAll("tbody tr:not(.up)"));const names=rows.map((r)=>r.cells[0].firstElementChild.textContent.toLowerCase());const out=document.getElementById("shown");let last="";const run=()=>{const q=f.value.trim().toLowerCase();if(q===last)return;last=q;let n=0;for(let i=0;i<rows.length;i++){const hit=q===""||names[i].includes(q);rows[i].hidden=!hit;if(hit)n++}out.textContent=q===""?"":n+" of "+rows.length+" shown"};f.addEventListener("input",run);document.addEventListener("keydown",(e)=>{if(e.key==="/"&&document.activeElement!==f&&!e.ctrlKey&&!e.metaKey&&!e.altKey){e.preventDefault();f.focus()}});f.closest("[hidden]").hidden=false;run()})();`;

// 24×24 outline icons, drawn once as symbols and reused by `<use>`, so a
// 10,000-row page repeats a short reference rather than the paths.
const ICON_PATHS: Record<string, string> = {
  dir:
    '<path fill="currentColor" fill-opacity=".2" d="M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z"/>',
  up: '<path d="M9 14 4 9l5-5"/><path d="M4 9h11a5 5 0 0 1 5 5v6"/>',
  file:
    '<path d="M14 3H6a1 1 0 0 0-1 1v16a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V8z"/><path d="M14 3v5h5"/>',
  text:
    '<path d="M14 3H6a1 1 0 0 0-1 1v16a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V8z"/><path d="M14 3v5h5M9 13h6M9 17h4"/>',
  code: '<path d="m8 8-5 4 5 4M16 8l5 4-5 4M14 5l-4 14"/>',
  image:
    '<rect x="3" y="4" width="18" height="16" rx="2"/><circle cx="9" cy="10" r="2"/><path d="m21 16-5-5-9 9"/>',
  video: '<rect x="3" y="5" width="18" height="14" rx="2"/><path d="m10 9 5 3-5 3z"/>',
  audio: '<path d="M9 18V5l11-2v13"/><circle cx="6" cy="18" r="3"/><circle cx="17" cy="16" r="3"/>',
  archive:
    '<rect x="3" y="4" width="18" height="5" rx="1"/><path d="M5 9v10a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V9M10 13h4"/>',
  pdf:
    '<path d="M14 3H6a1 1 0 0 0-1 1v16a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V8z"/><path d="M14 3v5h5M9 18v-5h2a1.5 1.5 0 0 1 0 3H9"/>',
  link:
    '<path d="M10 14a5 5 0 0 0 7 0l3-3a5 5 0 0 0-7-7l-1 1"/><path d="M14 10a5 5 0 0 0-7 0l-3 3a5 5 0 0 0 7 7l1-1"/>',
  zip: '<path d="M12 3v12M7 10l5 5 5-5M5 21h14"/>',
};

/** The icons as one hidden sprite of `<symbol id="k-NAME">`. */
export const LISTING_ICONS = '<svg hidden aria-hidden="true">' +
  Object.entries(ICON_PATHS)
    .map(([name, paths]) => `<symbol id="k-${name}" viewBox="0 0 24 24">${paths}</symbol>`)
    .join("") +
  "</svg>";

/** The tab icon: a folder, as a data URL, so the browser asks for no /favicon.ico. */
export const LISTING_FAVICON = "data:image/svg+xml," +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="#d29922" d="M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z"/></svg>',
  );

const policies = new Map<boolean, Promise<string>>();

/**
 * The `Content-Security-Policy` of the HTML listing: nothing but its own
 * style and script (by hash) and `data:` images (the tab icon). With
 * `withSnippet` (a page that carries `htmlSnippet`, live reload's script
 * tag), scripts and connections from the page's own origin too. Hashed
 * once, on first use, with the web Crypto API (no top-level await, so that
 * the module still loads where `require()` loads ES modules).
 *
 * @param withSnippet Whether the page carries the handler's `htmlSnippet`.
 * @returns The header value.
 *
 * @example Hashes, and nothing inline allowed
 * ```ts
 * import assert from "node:assert/strict";
 * import { listingCsp } from "./listing_page.ts";
 *
 * const policy = await listingCsp();
 * assert.match(policy, /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]{43}='; script-src 'sha256-/);
 * assert.ok(!policy.includes("unsafe"));
 * assert.match(await listingCsp(true), /script-src 'sha256-[^']+' 'self'; connect-src 'self'/);
 * ```
 */
export function listingCsp(withSnippet = false): Promise<string> {
  let policy = policies.get(withSnippet);
  if (policy === undefined) {
    policy = Promise.all([sha256(LISTING_STYLE), sha256(LISTING_SCRIPT)]).then(
      ([style, script]) =>
        `default-src 'none'; style-src '${style}'; script-src '${script}'` +
        (withSnippet ? " 'self'; connect-src 'self'" : "") +
        "; img-src data:; base-uri 'none'; form-action 'none'",
    );
    policies.set(withSnippet, policy);
  }
  return policy;
}

async function sha256(text: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  let binary = "";
  for (const byte of digest) binary += String.fromCharCode(byte);
  return "sha256-" + btoa(binary);
}
