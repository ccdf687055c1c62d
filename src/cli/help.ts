/**
 * The CLI's `--help` text and version.
 *
 * @module
 */

/** The package version (a test keeps it equal to deno.json's and package.json's). */
export const VERSION = "0.1.0";

/** The `--help` text. */
export const HELP = `fileserver ${VERSION}: serve a folder over HTTP, or fetch a URL.

Usage:
  fileserver [serve] [DIR] [options]    serve DIR (default: the current folder)
  fileserver get URL [options]          download URL (redirects and 401s handled)

Serve options:
  -p, --port N            port to listen on (default 8000; 0 picks a free one)
      --host HOST         address to listen on (default 127.0.0.1: this machine
                          only; 0.0.0.0 shares it on your network)
      --listing           list folders that have no index file (Deno std's
                          --dir-listing too; --no-dir-listing: off, default)
      --zip               offer each listed folder as one zip download
                          (FOLDER/?download=zip, subfolders included;
                          implies --listing)
      --dotfiles MODE     ignore (404, default), deny (403) or allow; a bare
                          --dotfiles is allow, --no-dotfiles ignore
      --index NAME        index file name(s), repeatable or comma-separated
                          (default index.html)
      --no-index          serve no index files
      --spa[=FILE]        single-page app: a page URL that names no file gets
                          FILE (default index.html) with 200; assets still 404
      --404 FILE          page sent with status 404 to browsers (default:
                          404.html when DIR has one)
      --no-404            send the plain 404 even when DIR has a 404.html
      --clean-urls        /about serves about.html, /about.html redirects
                          to /about
  -H, --header N:V        add a header to every response (repeatable)
  -w, --watch             live reload for development: watch DIR, reload open
                          pages when a file changes (CSS swapped in place)
      --cache RULE        Cache-Control policy: preset (default: fingerprinted
                          names a year, immutable; the rest no-cache), off, or
                          'GLOB=VALUE' (repeatable, first match wins, before
                          the preset), e.g. --cache 'downloads/**=no-store'
      --cache-explain PATH
                          print the Cache-Control PATH gets, and why; exit
      --cors              allow any origin to read the files (CORS;
                          --no-cors: off, the default)
      --no-precompressed  do not serve FILE.br, FILE.zst, FILE.gz (written
                          beside FILE by a build) to clients that accept them
      --no-compress       do not compress text, JavaScript, JSON, SVG… (1 to
                          64 KiB, no sidecar) for clients that accept br,
                          zstd or gzip
      --etag SOURCE       what ETags are made from: mtime (default; size and
                          time, no extra reads) or content (SHA-256 of the
                          bytes, once per file version: the same on every
                          replica, for servers behind a load balancer)
  -c, --cert FILE         TLS certificate (PEM); with --key, serve HTTPS
  -k, --key FILE          TLS private key (PEM)
      --auth USER:PASS    require HTTP Basic authentication (repeatable)
      --auth-file FILE    USER:PASS lines, one account per line
  -q, --quiet             no access log
  -v, --verbose           the access log (on already; for Deno std's flag)
      --log-format FMT    combined (default; Apache/nginx), common or json
      --grace SECONDS     on SIGINT/SIGTERM, let responses finish this long
                          (default 10); a second signal stops at once
      --reuse-port        let other fileserver processes share the port, so
                          that one per core can run (SO_REUSEPORT; every one
                          needs the flag; on Deno run with --unstable-net)
      --headers-timeout SECONDS
                          close a connection whose request headers take
                          longer (default 10; 0: never; Node only)
      --idle-timeout SECONDS
                          close a kept-alive connection idle this long
                          (default 10; 0: never; Node and Bun)
      --request-timeout SECONDS
                          close a connection whose whole request takes
                          longer (default 300; 0: never; Node only)

Get options:
  -o, --output FILE       write to FILE (default: standard output)
  -u, --user USER:PASS    credentials for 401 challenges (Basic or Digest)
      --max-redirects N   redirects to follow (default 20)
  -H, --header N:V        add a request header (repeatable)
  -c, --continue          resume a partial FILE with a Range request
  -v, --verbose           print each hop of the redirect chain on stderr

  -h, --help              this help
  -V, --version           print the version

Exit status: 0 success, 1 failure, 2 usage error; for get, 3 when the server
answers with an error status and 4 for a network error.`;
