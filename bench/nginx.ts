/**
 * nginx as the reference row: a config of our own in the temp folder, one
 * worker, in the foreground.
 *
 * @module
 */

import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Where Debian's nginx package puts the binary. */
export const NGINX = "/usr/sbin/nginx";

/**
 * Whether nginx is installed.
 *
 * @returns `true` when `/usr/sbin/nginx` exists.
 */
export function hasNginx(): boolean {
  return existsSync(NGINX);
}

/**
 * Writes `nginx.conf` and the folders it names under `dir`, and returns
 * the command that runs it in the foreground.
 *
 * @param options The port, the site folder, a folder of nginx's own, and
 * whether folders without an index are listed (`autoindex`, for
 * bench/listing.ts).
 * @returns The argv.
 */
export function nginxCommand(
  options: { port: number; root: string; dir: string; autoindex?: boolean },
): string[] {
  const { port, root, dir } = options;
  mkdirSync(dir, { recursive: true });
  // The worker runs as nobody: its temp folders must be writable by it.
  chmodSync(dir, 0o777);
  const conf = join(dir, "nginx.conf");
  writeFileSync(conf, nginxConfig(port, root, dir, options.autoindex === true));
  return [NGINX, "-p", dir, "-e", join(dir, "error.log"), "-c", conf, "-g", "daemon off;"];
}

function nginxConfig(port: number, root: string, dir: string, autoindex: boolean): string {
  const temps = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((name) => `  ${name}_temp_path ${join(dir, name)};`)
    .join("\n");
  return `worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")};
events { worker_connections 1024; }
http {
  default_type application/octet-stream;
  sendfile on;
  access_log off;
${temps}
  server {
    listen 127.0.0.1:${port};
    root ${root};${autoindex ? "\n    autoindex on;" : ""}
  }
}
`;
}
