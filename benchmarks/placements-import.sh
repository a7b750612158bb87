#!/usr/bin/env bash
# The placements import at scale (issue 11), measured from outside the process with farm-bench: generates units, related units,
# linkage files and a placements file (benchmarks/Declaration.Benchmarks --placements-files), loads all but the placements through
# ./declaration import on a PostgreSQL cluster of its own (normal durability settings), then times
#   ./declaration import placements placements.csv
# RUNS times (process start, migrations check, the import, the in-process delivery of its events and the exit included), each from
# no placements (the placement and certification tables are emptied before each run by psql, inside the timed command: a few ms).
# Prints farm-bench's figures (wall seconds, peak memory) and rows/s. Nothing is asserted.
# Usage: benchmarks/placements-import.sh [ROWS=20000] [UNITS=800] [RUNS=3]
set -euo pipefail
rows="${1:-20000}"; units="${2:-800}"; runs="${3:-3}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mktemp -d /tmp/declaration-placements-XXXXXX)"
chmod 755 "$dir"
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p "$dir/pg"
as_pg() { if [ "$(id -u)" = 0 ]; then chown -R postgres "$dir/pg"; runuser -u postgres -- "$@"; else "$@"; fi; }
as_pg "$bin/initdb" -D "$dir/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$bin/pg_ctl" -D "$dir/pg" -o "-p $port -k $dir/pg -c listen_addresses=127.0.0.1 -c max_connections=100" -l "$dir/pg/server.log" -w start >/dev/null
trap 'as_pg "$bin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null; rm -rf "$dir"' EXIT
"$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE declaration"
export DECLARATION_DB="Host=127.0.0.1;Port=$port;Username=postgres;Database=declaration;Pooling=true"
export DECLARATION_DATA_DIR="$dir/data"
# Benchmark data with the demo keys: the Demo environment (Production refuses them).
export DOTNET_ENVIRONMENT=Demo

# A snapshot of the built host (what ./declaration execs after its build check), so editing sources meanwhile cannot trigger a rebuild.
"$root/declaration" migrate >/dev/null 2>&1 || true
cp -r "$root/Host/Declaration.Host/bin/Release/net10.0" "$dir/host"
declaration() { Declaration__DataDir="$dir/data" dotnet "$dir/host/Declaration.Host.dll" "$@"; }
dotnet run -c Release --project "$root/benchmarks/Declaration.Benchmarks" -- --placements-files "$dir/files" --scale "$rows" --units "$units" >/dev/null
declaration migrate
for kind in units related-units minimum-wages certificates social-insurance wages; do
  declaration import "$kind" "$dir/files/$kind.csv" >&2
done
echo "placements file: $(($(wc -l < "$dir/files/placements.csv") - 1)) rows, $(du -h "$dir/files/placements.csv" | cut -f1)" >&2

reset="TRUNCATE placement.placement, placement.month_decision, placement.outbox, certification.placement, certification.placement_months,
  certification.placement_dirty, certification.outbox, platform.import_history CASCADE; DELETE FROM platform.audit_log WHERE entity_type IN ('Placement', 'Import');"
cat > "$dir/run.sh" <<RUN
#!/bin/sh
"$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d declaration -qc "$reset" >/dev/null 2>&1
DOTNET_ENVIRONMENT=Demo Declaration__DataDir="$dir/data" exec dotnet "$dir/host/Declaration.Host.dll" import placements "$dir/files/placements.csv"
RUN
chmod +x "$dir/run.sh"
"$dir/run.sh" >"$dir/first.txt" 2>&1 || { cat "$dir/first.txt"; exit 1; }
cat "$dir/first.txt"
farm-bench -n "$runs" --warmup 0 --timeout 3000 -- "$dir/run.sh" | tee "$dir/bench.txt"
wall="$(grep -E '^A wall s' "$dir/bench.txt" | head -1 | awk '{print $5}')"
[ -n "$wall" ] && python3 -c "print('placements import: $rows rows in ' + '$wall' + ' s (median wall, process start included) = %.0f rows/s' % ($rows / float('$wall')))"
