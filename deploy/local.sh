#!/usr/bin/env bash
# The whole topology on one command, on a fresh Debian machine: installs
# haproxy and Varnish when missing (apt-get; through sudo unless root) and
# the npm devDependencies (deno, bun, node 24) when missing, then runs
# `npm run cluster` with the arguments given (a folder, --port N).
# Ctrl+C (or SIGTERM to this pid) stops everything.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

missing=()
[ -x /usr/sbin/haproxy ] || command -v haproxy >/dev/null || missing+=(haproxy)
[ -x /usr/sbin/varnishd ] || command -v varnishd >/dev/null || missing+=(varnish)
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "local.sh: installing ${missing[*]} with apt-get" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
[ -x node_modules/.bin/deno ] || npm ci --no-audit --no-fund
# exec: the pid that was started is npm's, which passes SIGINT and SIGTERM
# on to the cluster script (its own script line execs node, too).
exec npm run --silent cluster -- "$@"
