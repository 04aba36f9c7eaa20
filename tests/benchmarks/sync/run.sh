#!/usr/bin/env bash
# Sync benchmark: media-offload vs aws s3 sync, rclone and s3cmd, side by side in one run, against moto_server (which
# caps every client at ~380 PUT/s) and against s3rver (npm), each tool into its own fresh bucket. Wall time and client
# CPU (user+sys of the client process, /usr/bin/time) for a first sync and a no-op re-sync, repeated in rounds with
# the tool order rotated; then a 1,000-object Cache-Control fix vs s3cmd modify, start-up alone, and planning
# 1,000,000 entries. Results and how to read them: docs/benchmarks-sync.md.
#
# Usage: tests/benchmarks/sync/run.sh [ORIGINALS]      (380 originals -> 2,052 files)
# Environment:
#   MO_BIN=PATH        run this media-offload: a published folder, its executable (e.g. a NativeAOT binary), or
#                      media-offload.dll; default: publish ReadyToRun from this checkout
#   MO_AOT=1           publish with NativeAOT (-p:PublishAot=true) instead; fails loudly if that does not build
#   MO_ALT_BIN=PATH    a second media-offload (same forms as MO_BIN) run in the same rounds, e.g. a NativeAOT build
#                      beside the ReadyToRun one; MO_ALT_LABEL names it (default "alt")
#   REPEAT=3           rounds; medians and per-round ratios are reported
#   SERVERS="moto s3rver"   which servers, in this order
#   CONCURRENCY=32     media-offload --concurrency
#   BENCH_VARIANTS=1   also time media-offload with WebP encoding (round 1 only)
#   SKIP_FIX=1, SKIP_PLAN=1   leave those parts out
#   BENCH_RAW=FILE     keep the raw rows (TSV) report.py reads
# Needs: vips, awscli, rclone, s3cmd, /usr/bin/time, moto_server, node (s3rver is installed under
# tests/MediaOffload.TestSupport/s3rver by scripts/bootstrap.sh, or here if missing). Every server binds 127.0.0.1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
originals=${1:-380}
repeat=${REPEAT:-3}
servers=(${SERVERS:-moto s3rver})
conc=${CONCURRENCY:-32}
work=$(mktemp -d)
raw=$work/raw.tsv
: >"$raw"
cc="public, max-age=31536000, immutable"
# One key pair for every tool and server: moto accepts any, and S3RVER is s3rver's own.
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
# Loopback http only, so no CA bundle is used; rclone refuses AWS_CA_BUNDLE with its own transport.
unset AWS_CA_BUNDLE
started=()
cleanup() {
  for pid in "${started[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${started[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "${BENCH_RAW:-}" ] && cp "$raw" "$BENCH_RAW"
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tick=$(getconf CLK_TCK)
# CPU seconds (user+sys) a process has used so far; empty when there is none.
cpu_of() { [ -n "$1" ] && [ -r "/proc/$1/stat" ] && awk -v t="$tick" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat" || true; }

# --- media-offload: given, NativeAOT or ReadyToRun --------------------------------------------------------------
if [ -n "${MO_BIN:-}" ]; then
  if [ -d "$MO_BIN" ]; then mo=("$MO_BIN/media-offload"); elif [[ $MO_BIN == *.dll ]]; then mo=(dotnet "$MO_BIN"); else mo=("$MO_BIN"); fi
  mo_kind="given: $MO_BIN"
elif [ "${MO_AOT:-0}" = 1 ]; then
  echo "publishing media-offload with NativeAOT..." >&2
  dotnet publish "$repo/functions/MediaOffload.Cli" -c Release -r linux-x64 -p:PublishAot=true -o "$work/aot" -nologo >"$work/aot.log" 2>&1 \
    || { tail -30 "$work/aot.log" >&2; echo "NativeAOT publish failed (above); pass MO_BIN to measure another build" >&2; exit 1; }
  mo=("$work/aot/media-offload")
  mo_kind="NativeAOT"
else
  echo "publishing media-offload (Release, ReadyToRun)..." >&2
  # ReadyToRun: a no-op run is dominated by start-up, and precompiled code halves it (0.5 s vs 1.1 s here).
  dotnet publish "$repo/functions/MediaOffload.Cli" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$work/cli" -v quiet -nologo >/dev/null
  mo=("$work/cli/media-offload")
  mo_kind="ReadyToRun, framework-dependent"
fi
resolve_bin() { if [ -d "$1" ]; then echo "$1/media-offload"; else echo "$1"; fi; }
if [ -n "${MO_ALT_BIN:-}" ]; then
  alt_bin=$(resolve_bin "$MO_ALT_BIN")
  if [[ $alt_bin == *.dll ]]; then alt=(dotnet "$alt_bin"); else alt=("$alt_bin"); fi
  alt_label="media-offload sync (${MO_ALT_LABEL:-alt})"
  "${alt[@]}" --help >/dev/null || { echo "cannot run ${alt[*]}" >&2; exit 1; }
fi
"${mo[@]}" --help >/dev/null || { echo "cannot run ${mo[*]}" >&2; exit 1; }
[ "${SKIP_PLAN:-0}" = 1 ] || dotnet build "$here/PlanBench" -c Release -o "$work/planbench" -v quiet -nologo >/dev/null

tree="$work/uploads"
files=$("$here/make-tree.sh" "$tree" "$originals")
bytes=$(du -sb "$tree" | cut -f1)
echo "tree: $files files, $((bytes / 1000000)) MB" >&2

# --- servers --------------------------------------------------------------------------------------------------
s3rver_dir=${S3RVER_DIR:-$repo/tests/MediaOffload.TestSupport/s3rver}
start_server() { # name -> sets endpoint, server_pid, server_version
  local port
  case $1 in
    moto)
      port=$(free_port)
      moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
      server_pid=$!
      endpoint="http://127.0.0.1:$port"
      for _ in $(seq 100); do curl -sf "$endpoint/moto-api/" >/dev/null && break; sleep 0.2; done
      server_version="moto_server $(python3 -c 'import moto; print(moto.__version__)')"
      ;;
    s3rver)
      [ -d "$s3rver_dir/node_modules/s3rver" ] || npm ci --prefix "$s3rver_dir" --no-audit --no-fund --silent >/dev/null
      mkdir -p "$work/s3rver-data"
      # Node 17+ needs the legacy provider: s3rver encrypts ListObjectsV2 continuation tokens with DES.
      NODE_OPTIONS="--openssl-legacy-provider ${NODE_OPTIONS:-}" node "$s3rver_dir/serve.js" 0 "$work/s3rver-data" >"$work/s3rver.log" 2>&1 &
      server_pid=$!
      for _ in $(seq 100); do grep -q '^listening ' "$work/s3rver.log" && break; sleep 0.1; done
      endpoint="http://127.0.0.1:$(awk '/^listening /{print $2}' "$work/s3rver.log")"
      server_version="s3rver $(node -p "require('$s3rver_dir/node_modules/s3rver/package.json').version") on node $(node --version)"
      ;;
    *) echo "unknown server $1" >&2; exit 2 ;;
  esac
  started+=("$server_pid")
  curl -sf -o /dev/null "$endpoint/" || [ "$1" = moto ] || { cat "$work/$1.log" >&2; exit 1; }
}
stop_server() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }

# One timed command -> a raw row: server round tool phase wall user sys rss(KB) server-cpu note.
timed() { # server round tool phase command...
  local server=$1 round=$2 tool=$3 phase=$4 before after; shift 4
  before=$(cpu_of "${server_pid:-}")
  local failed=""
  # A failing tool is recorded, not fatal: the row says so and the tables show it, and the other tools still run.
  /usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" >"$work/out" 2>&1 \
    || { failed="FAILED: $(grep -v '^Command exited' "$work/out" | tail -1 | tr '\t' ' ' | cut -c1-200)"; echo "$server $tool $phase $failed" >&2; }
  after=$(cpu_of "${server_pid:-}")
  local server_cpu=""
  [ -n "$before" ] && [ -n "$after" ] && server_cpu=$(python3 -c "print(f'{$after - $before:.2f}')")
  read -r wall user sys rss < <(grep -v '^Command' "$work/t")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$round" "$tool" "$phase" "$wall" "$user" "$sys" "$rss" "$server_cpu" "$failed" >>"$raw"
}
note_last() { python3 - "$raw" "$1" <<'PY'
import sys
path, note = sys.argv[1], sys.argv[2].replace("\t", " ").replace("\n", " ")
lines = open(path).read().splitlines()
cells = lines[-1].split("\t")
cells[-1] = "; ".join(c for c in (cells[-1], note) if c)
lines[-1] = "\t".join(cells)
open(path, "w").write("\n".join(lines) + "\n")
PY
}
bucket() { python3 "$here/bucket.py" "$1" "$endpoint" "$2"; }

# The tools, each as a user would run it from cron, setting Cache-Control on what it uploads.
sync_cmd() { # tool bucket -> the command in cmd[]
  case $1 in
    "media-offload sync") cmd=("${mo[@]}" sync "$tree" --bucket "$2" --endpoint-url "$endpoint" --no-variants --concurrency "$conc" --state "$work/$2.state" --json) ;;
    "${alt_label:-(none)}") cmd=("${alt[@]}" sync "$tree" --bucket "$2" --endpoint-url "$endpoint" --no-variants --concurrency "$conc" --state "$work/$2.state" --json) ;;
    "media-offload sync (WebP variants)") cmd=("${mo[@]}" sync "$tree" --bucket "$2" --endpoint-url "$endpoint" --concurrency "$conc" --state "$work/$2.state" --json) ;;
    "aws s3 sync") cmd=(aws --endpoint-url "$endpoint" s3 sync "$tree" "s3://$2/wp-content/uploads" --cache-control "$cc" --only-show-errors) ;;
    "rclone sync") cmd=(rclone sync "$tree" "bench:$2/wp-content/uploads" --header-upload "Cache-Control: $cc" --transfers 16 --checkers 16) ;;
    "s3cmd sync") cmd=("${s3c[@]}" sync "$tree/" "s3://$2/wp-content/uploads/" --add-header="Cache-Control:$cc" --no-progress --quiet) ;;
  esac
}
tools=("media-offload sync" "aws s3 sync" "rclone sync" "s3cmd sync")
[ -n "${alt_label:-}" ] && tools+=("$alt_label")

declare -A versions
for server in "${servers[@]}"; do
  start_server "$server"
  versions[$server]=$server_version
  echo "$server_version at $endpoint" >&2
  port=${endpoint##*:}
  s3c=(s3cmd -c /dev/null --host="127.0.0.1:$port" --host-bucket="127.0.0.1:$port" --no-ssl --access_key="$AWS_ACCESS_KEY_ID" --secret_key="$AWS_SECRET_ACCESS_KEY" --region=us-east-1)
  export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other RCLONE_CONFIG_BENCH_ENDPOINT="$endpoint" RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true \
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" RCLONE_CONFIG_BENCH_REGION=us-east-1
  for round in $(seq "$repeat"); do
    order=()
    for i in "${!tools[@]}"; do order+=("${tools[$(((i + round - 1) % ${#tools[@]}))]}"); done
    [ "$round" = 1 ] && [ "${BENCH_VARIANTS:-0}" = 1 ] && order+=("media-offload sync (WebP variants)")
    for tool in "${order[@]}"; do
      slug=${tool//[^a-z]/}
      b="bench-${slug:0:14}${slug: -6}-$round"
      bucket mk "$b"
      sync_cmd "$tool" "$b"
      timed "$server" "$round" "$tool" first "${cmd[@]}"
      # Round 1: check the tool really stored the files (sizes, MD5 of a sample, Cache-Control) on this server.
      [ "$round" = 1 ] && note_last "$(python3 "$here/verify.py" "$endpoint" "$b" wp-content/uploads/ "$tree" "$cc" || true)"
      timed "$server" "$round" "$tool" noop "${cmd[@]}"
      echo "$server round $round: $tool: $(tail -2 "$raw" | cut -f5 | paste -sd/) s (first/no-op)" >&2
      bucket drop "$b"
    done

    if [ "${SKIP_FIX:-0}" != 1 ]; then
      # Cache-Control fix on 1,000 existing objects, written with a stale value as the old cron left them.
      # Lists go through files, not 'find | sort | head': under pipefail, head closing the pipe early fails the run.
      if [ ! -d "$work/fix" ]; then
        find "$tree" -type f | sort >"$work/all"
        head -1000 "$work/all" >"$work/fixlist"
        while read -r f; do rel=${f#"$tree"/}; mkdir -p "$work/fix/$(dirname "$rel")"; cp "$f" "$work/fix/$rel"; done <"$work/fixlist"
        first_fixed=$(head -1 "$work/fixlist"); first_fixed=${first_fixed#"$tree"/}
      fi
      for b in fixmo fixs3; do bucket mk "$b-$round"; aws --endpoint-url "$endpoint" s3 sync "$work/fix" "s3://$b-$round/wp-content/uploads" --cache-control "max-age=300" --only-show-errors; done
      fix_mo() { timed "$server" "$round" "media-offload sync (copy in place, --state none)" fix "${mo[@]}" sync "$work/fix" --bucket "fixmo-$round" --endpoint-url "$endpoint" --no-variants --concurrency "$conc" --state none --json; }
      fix_s3() { timed "$server" "$round" "s3cmd modify --recursive --add-header" fix "${s3c[@]}" modify --recursive --add-header="Cache-Control:$cc" "s3://fixs3-$round/wp-content/uploads/"; }
      if [ $((round % 2)) = 1 ]; then fix_mo; fix_s3; else fix_s3; fix_mo; fi
      for b in fixmo fixs3; do
        got=$(aws --endpoint-url "$endpoint" s3api head-object --bucket "$b-$round" --key "wp-content/uploads/$first_fixed" --query CacheControl --output text)
        [ "$got" = "$cc" ] || echo "warning: $b on $server left Cache-Control '$got'" >&2
        bucket drop "$b-$round"
      done
    fi
  done
  # The fixed cost of a run on this server: an empty folder into an empty bucket (start-up, SDK set-up, one LIST).
  mkdir -p "$work/empty"
  bucket mk bench-empty
  for i in 1 2 3 4 5; do
    timed "$server" "$i" "media-offload sync (empty folder)" startup "${mo[@]}" sync "$work/empty" --bucket bench-empty --endpoint-url "$endpoint" --no-variants --state none --json
    [ -n "${alt_label:-}" ] && timed "$server" "$i" "media-offload sync (empty folder, ${MO_ALT_LABEL:-alt})" startup "${alt[@]}" sync "$work/empty" --bucket bench-empty --endpoint-url "$endpoint" --no-variants --state none --json
    timed "$server" "$i" "aws s3 sync (empty folder)" startup aws --endpoint-url "$endpoint" s3 sync "$work/empty" s3://bench-empty/wp-content/uploads --only-show-errors
  done
  bucket drop bench-empty
  stop_server
  server_pid=
done

# --- start-up alone: how much of a no-op run is the process starting -------------------------------------------
for i in 1 2 3 4 5; do
  timed - "$i" "media-offload --help" startup "${mo[@]}" --help
  [ -n "${alt_label:-}" ] && timed - "$i" "media-offload --help (${MO_ALT_LABEL:-alt})" startup "${alt[@]}" --help
  timed - "$i" "aws --version" startup aws --version
done

# --- planning -------------------------------------------------------------------------------------------------
if [ "${SKIP_PLAN:-0}" != 1 ]; then
  for i in $(seq "$repeat"); do
    timed - "$i" "1,000,000 sources + listing" plan dotnet "$work/planbench/PlanBench.dll" 1000000
    note_last "$(tr '\n' ' ' <"$work/out" | sed 's/ *$//')"
  done
  # Each JPEG lists with its .avif and .webp, so 288,000 sources come with about 708,000 objects.
  timed - 1 "288,000 sources (~1,000,000 entries in all)" plan dotnet "$work/planbench/PlanBench.dll" 288000
  note_last "$(tr '\n' ' ' <"$work/out" | sed 's/ *$//')"
  for i in $(seq "$repeat"); do
    # The synthetic input alone, in the same run: a yardstick for how loaded the machine is right now.
    timed - "$i" "input generation alone (3,460,000 records)" plan dotnet "$work/planbench/PlanBench.dll" 1000000 --inputs-only
    note_last "$(tr '\n' ' ' <"$work/out" | sed 's/ *$//')"
  done
fi

echo
echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, shared with other work (load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))."
echo "media-offload: $mo_kind. $(aws --version 2>&1 | cut -d' ' -f1), $(rclone --version 2>/dev/null | sed -n 1p), $(s3cmd --version). Servers: $(for s in "${servers[@]}"; do printf '%s; ' "${versions[$s]}"; done)"
echo
python3 "$here/report.py" "$raw" "$files" "$bytes"
exit 0
