#!/usr/bin/env bash
# Encode memory benchmark: the peak RSS one LibvipsVariantEncoder.Encode adds to its process, per kind,
# mode and size, each encode in a fresh child process, one at a time. Not a test; run by hand:
#   tests/benchmarks/imaging/memory.sh [--quick] [--only SUBSTRING] [--no-threads-check] [--keep] [--tsv FILE]
# Markdown tables go to stdout (docs/benchmarks-imaging.md, "Encode memory"), progress to stderr.
# Generated images live in $WORK and are deleted as soon as their cases are done (all of it on exit).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-/tmp/mediaoffload-membench}
BIN=${BIN:-/tmp/mediaoffload-membench-bin}

need=()
command -v vips >/dev/null || need+=(libvips-tools)
dpkg -s libvips42 >/dev/null 2>&1 || need+=(libvips42)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi

[ -e "$WORK" ] && { echo "$WORK exists; remove it or set WORK" >&2; exit 1; }
keep=0
for a in "$@"; do [ "$a" = --keep ] && keep=1; done
[ $keep = 1 ] || trap 'rm -rf "$WORK"' EXIT

dotnet build "$HERE/MemoryBench" -c Release -o "$BIN" -v q -nologo >/dev/null
dotnet "$BIN/MemoryBench.dll" run --work "$WORK" "$@"
