#!/usr/bin/env bash
# Peak RSS of `media-offload sync` over four 100-megapixel PNGs (10,000 x 10,000, a few hundred KB each: the size of
# image the pixel cap lets through), against one moto_server, each run into a fresh bucket.
#   1. default settings (--memory-budget 1024): each PNG's estimate is over the budget, so none is attempted;
#   2. --memory-budget 4096: the estimate fits once, so the four encode one at a time;
#   3. the CLI of an earlier commit, given as REF (default: none), for the figure before admission existed.
# Usage: tests/benchmarks/memory/cli-memory.sh [REF]   (needs vips, moto_server, /usr/bin/time)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
ref=${1:-}
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
endpoint="http://127.0.0.1:$port"
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto=$!
cleanup() {
  kill "$moto" 2>/dev/null || true
  if [ -n "$ref" ] && [ -d "$work/old-src" ]; then git -C "$repo" worktree remove --force "$work/old-src" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 50); do curl -sf "$endpoint/moto-api/" >/dev/null && break; sleep 0.2; done

build() { # source-dir out-dir
  dotnet publish "$1/functions/MediaOffload.Cli" -c Release -o "$2" -v quiet -nologo >/dev/null
}
echo "building media-offload (Release)..." >&2
build "$repo" "$work/cli"
if [ -n "$ref" ]; then
  git -C "$repo" worktree add --detach -q "$work/old-src" "$ref"
  build "$work/old-src" "$work/old-cli"
fi

uploads="$work/uploads/2024/05"
mkdir -p "$uploads"
for i in 1 2 3 4; do
  # A different flat RGB graphic each: a black field with one grey band, 100 MP, a few hundred KB as PNG.
  vips black "$work/b.v" 10000 10000 --bands 3
  vips draw_rect "$work/b.v" $((i * 40)) $((i * 500)) 0 2000 10000 --fill
  vips copy "$work/b.v" "$uploads/poster-$i.png"
  rm -f "$work/b.v"
done
echo "four PNGs: $(du -ch "$uploads"/*.png | tail -1 | cut -f1)" >&2

run() { # label bucket cli args...
  local label=$1 bucket=$2 cli=$3; shift 3
  aws --endpoint-url "$endpoint" s3 mb "s3://$bucket" >/dev/null
  /usr/bin/time -f "%e %M" -o "$work/t" "$cli/media-offload" sync "$work/uploads" --bucket "$bucket" --endpoint-url "$endpoint" \
    --state none --json "$@" >"$work/report.json" 2>"$work/err" || true
  read -r seconds kb < <(tail -1 "$work/t")
  local variants skipped
  variants=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["done"].get("GenerateVariant", 0))' "$work/report.json" 2>/dev/null || echo "?")
  skipped=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); f=r["failures"]; print(len(f), (f[0]["reason"][:90] if f else ""))' "$work/report.json" 2>/dev/null || echo "? $(tail -c 200 "$work/err")")
  printf '| %s | %s | %s MiB | %s s | %s variants | %s |\n' "$label" "${*:-(none)}" "$((kb / 1024))" "$seconds" "$variants" "$skipped"
  printf '%s\t%s\t%s\n' "$label" "$kb" "$seconds" >>"$work/summary"
}

echo "| run | flags | peak RSS | time | done | failures (first reason) |"
echo "|---|---|---|---|---|---|"
run "this commit, defaults" mem-default "$work/cli"
run "this commit, larger budget" mem-4g "$work/cli" --memory-budget 4096
if [ -n "$ref" ]; then run "$ref (before admission)" mem-old "$work/old-cli"; fi
echo
awk -F'\t' '{ printf "%s: peak RSS %.2f GiB in %s s\n", $1, $2 / 1048576, $3 }' "$work/summary"
