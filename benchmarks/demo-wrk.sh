#!/usr/bin/env bash
# The issue-14 table on demo data: wrk (2 threads, 50 connections, 15 s) as the demo employer against a running ./run, one page at a
# time, the floor (/api/units/me) first. Not run by ./test. Usage: benchmarks/demo-wrk.sh [http://127.0.0.1:5080] [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
url="${1:-http://127.0.0.1:5080}"; seconds="${2:-15}"; connections="${3:-50}"
scripts/ensure-deps.sh bench
jar="$(mktemp)"; trap 'rm -f "$jar" "$jar.lua"' EXIT
token=$(curl -s -c "$jar" "$url/Account/Login" | sed -n 's/.*name="__RequestVerificationToken" type="hidden" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null -w "" --data-urlencode "UserName=demo" --data-urlencode "Password=Demo@2026" \
  --data-urlencode "__RequestVerificationToken=$token" "$url/Account/Login"
cookie="decl.auth=$(awk '$6 == "decl.auth" { print $7 }' "$jar")"
[ "$cookie" != "decl.auth=" ] || { echo "登录失败：未取得 decl.auth" >&2; exit 1; }
echo "| page | requests/s | p50 | p99 | errors |"
echo "|---|---|---|---|---|"
for path in /api/units/me /Unit/Home "/Unit/Placements?year=2025" /Notices; do
  code=$(curl -s -o /dev/null -w "%{http_code}" -H "Cookie: $cookie" "$url$path")
  [ "$code" = 200 ] || { echo "$path 返回 $code" >&2; exit 1; }
  cat > "$jar.lua" <<LUA
local req
function init(args) req = wrk.format("GET", "$path", { ["Cookie"] = "$cookie" }) end
function request() return req end
function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  io.write(string.format("| \`$path\` | %.0f | %.1f ms | %.1f ms | %d |\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
LUA
  wrk -t2 -c"$connections" -d"${seconds}s" -s "$jar.lua" "$url" | grep '^|'
done
