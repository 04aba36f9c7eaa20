#!/usr/bin/env bash
# Sync benchmark: media-offload vs aws s3 sync, rclone and s3cmd against one moto_server, each tool into its
# own fresh bucket; then a 1,000-object Cache-Control fix vs s3cmd modify, then planning 1,000,000 entries.
# Usage: tests/benchmarks/sync/run.sh [ORIGINALS]   (needs vips, awscli, rclone, s3cmd, /usr/bin/time)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
originals=${1:-380}
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
endpoint="http://127.0.0.1:$port"
cc="public, max-age=31536000, immutable"
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf "$endpoint/moto-api/" >/dev/null && break; sleep 0.2; done

echo "building media-offload (Release)..." >&2
# ReadyToRun: a no-op run is dominated by start-up, and precompiled code halves it (0.5 s vs 1.1 s here).
dotnet publish "$repo/functions/MediaOffload.Cli" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$work/cli" -v quiet -nologo >/dev/null
dotnet build "$here/PlanBench" -c Release -o "$work/planbench" -v quiet -nologo >/dev/null
mo=("$work/cli/media-offload")

tree="$work/uploads"
files=$("$here/make-tree.sh" "$tree" "$originals")
bytes=$(du -sb "$tree" | cut -f1)
echo "tree: $files files, $((bytes / 1000000)) MB" >&2

aws3() { aws --endpoint-url "$endpoint" "$@"; }
s3c() { s3cmd --host="127.0.0.1:$port" --host-bucket="127.0.0.1:$port" --no-ssl --access_key=bench --secret_key=bench --region=us-east-1 "$@"; }
export RCLONE_CONFIG_MOTO_TYPE=s3 RCLONE_CONFIG_MOTO_PROVIDER=Other RCLONE_CONFIG_MOTO_ENDPOINT="$endpoint" \
  RCLONE_CONFIG_MOTO_ACCESS_KEY_ID=bench RCLONE_CONFIG_MOTO_SECRET_ACCESS_KEY=bench RCLONE_CONFIG_MOTO_REGION=us-east-1
# Seconds and peak RSS (KB) of one command.
timed() { /usr/bin/time -f "%e %M" -o "$work/t" "$@" >"$work/out" 2>&1 || { cat "$work/out" >&2; return 1; }; cat "$work/t"; }
fresh() { aws3 s3 mb "s3://$1" >/dev/null; }
drop() { aws3 s3 rb "s3://$1" --force >/dev/null; }

declare -A first noop
run_tool() { # name bucket command...
  local name=$1 bucket=$2; shift 2
  fresh "$bucket"
  first[$name]=$(timed "$@" | cut -d' ' -f1)
  noop[$name]=$(timed "$@" | cut -d' ' -f1)
  echo "$name: first ${first[$name]} s, no-op ${noop[$name]} s" >&2
  drop "$bucket"
}

conc=${CONCURRENCY:-32}
run_tool "media-offload sync --no-variants" bench-mo "${mo[@]}" sync "$tree" --bucket bench-mo --endpoint-url "$endpoint" --no-variants --concurrency "$conc" --state "$work/mo.state" --json
[ "${BENCH_VARIANTS:-0}" = 1 ] && run_tool "media-offload sync (with WebP variants)" bench-mov "${mo[@]}" sync "$tree" --bucket bench-mov --endpoint-url "$endpoint" --concurrency "$conc" --state "$work/mov.state" --json
run_tool "aws s3 sync --cache-control" bench-aws aws --endpoint-url "$endpoint" s3 sync "$tree" s3://bench-aws/wp-content/uploads --cache-control "$cc" --only-show-errors
# rclone refuses AWS_CA_BUNDLE with its own transport; there is no TLS here anyway.
run_tool "rclone sync" bench-rclone env -u AWS_CA_BUNDLE rclone sync "$tree" moto:bench-rclone/wp-content/uploads --header-upload "Cache-Control: $cc" --transfers 16 --checkers 16
run_tool "s3cmd sync" bench-s3cmd s3cmd --host="127.0.0.1:$port" --host-bucket="127.0.0.1:$port" --no-ssl --access_key=bench --secret_key=bench sync "$tree/" s3://bench-s3cmd/wp-content/uploads/ --add-header="Cache-Control:$cc" --no-progress --quiet

# Cache-Control fix on 1,000 existing objects (written with a stale value, as the old cron left them).
fix="$work/fix"
mkdir -p "$fix"
find "$tree" -type f | sort >"$work/all"
head -1000 "$work/all" | while read -r f; do rel=${f#"$tree"/}; mkdir -p "$fix/$(dirname "$rel")"; cp "$f" "$fix/$rel"; done
for b in fixmo fixs3; do fresh $b; aws3 s3 sync "$fix" "s3://$b/wp-content/uploads" --cache-control "max-age=300" --only-show-errors; done
fix_mo=$(timed "${mo[@]}" sync "$fix" --bucket fixmo --endpoint-url "$endpoint" --no-variants --concurrency "$conc" --state none --json | cut -d' ' -f1)
fix_s3=$(timed s3cmd --host="127.0.0.1:$port" --host-bucket="127.0.0.1:$port" --no-ssl --access_key=bench --secret_key=bench --region=us-east-1 modify --recursive --add-header="Cache-Control:$cc" s3://fixs3/wp-content/uploads/ | cut -d' ' -f1)
first_fixed=$(head -1 "$work/all"); first_fixed=${first_fixed#"$tree"/}
copies=$(aws3 s3api head-object --bucket fixmo --key "wp-content/uploads/$first_fixed" --query CacheControl --output text)
echo "fix 1000: media-offload $fix_mo s ($copies), s3cmd modify $fix_s3 s" >&2

plan1=$(timed dotnet "$work/planbench/PlanBench.dll" 1000000)
plan1out=$(cat "$work/out")
plan2=$(timed dotnet "$work/planbench/PlanBench.dll" 366000)
plan2out=$(cat "$work/out")
inputs=$(dotnet "$work/planbench/PlanBench.dll" 1000000 --inputs-only)

ratio() { python3 -c "print(f'{float($1)/float($2):.1f}x')"; }
base_first=${first["aws s3 sync --cache-control"]}; base_noop=${noop["aws s3 sync --cache-control"]}
echo
echo "Tree: $files files, $((bytes / 1000000)) MB; moto_server $(python3 -c 'import moto; print(moto.__version__)'); $(nproc) cores"
echo
echo "| Tool | First sync (s) | vs aws | No-op re-sync (s) | vs aws |"
echo "|---|---:|---:|---:|---:|"
for t in "media-offload sync --no-variants" "aws s3 sync --cache-control" "rclone sync" "s3cmd sync"; do
  echo "| $t | ${first[$t]} | $(ratio "$base_first" "${first[$t]}") | ${noop[$t]} | $(ratio "$base_noop" "${noop[$t]}") |"
done
[ "${BENCH_VARIANTS:-0}" = 1 ] && echo "| media-offload sync (with WebP variants) | ${first["media-offload sync (with WebP variants)"]} | | ${noop["media-offload sync (with WebP variants)"]} | |"
echo
echo "| Fix Cache-Control on 1,000 objects | Seconds |"
echo "|---|---:|"
echo "| media-offload sync (copy in place) | $fix_mo |"
echo "| s3cmd modify --recursive --add-header | $fix_s3 |"
echo
echo "| Planning | Seconds (wall, incl. runtime start) | Peak RSS (MB) | Output |"
echo "|---|---:|---:|---|"
echo "| 1,000,000 sources + listing | ${plan1% *} | $(( ${plan1#* } / 1024 )) | $plan1out |"
echo "| 366,000 sources (~1,000,000 entries in all) | ${plan2% *} | $(( ${plan2#* } / 1024 )) | $plan2out |"
echo "| input generation alone, 1,000,000 sources | | | $inputs |"
