#!/usr/bin/env bash
# AVIF quality calibration: which AvifQuality matches WebP Q86 (lossy, effort 4) in perceived quality, by
# butteraugli distance (lower is better) against the decoded source. Not a test; run by hand:
#   tests/benchmarks/imaging/calibrate-avif.sh [avif-effort] [qualities...]
# Prints a markdown table (docs/imaging.md, "AVIF quality"). The corpus is run.sh's photos scaled to 1024 px
# wide (butteraugli takes about a minute per encode at 1600 px on two cores), plus skimage's PNG photos; scratch goes to $WORK.
set -euo pipefail
EFFORT=${1:-4}
shift || true
QUALITIES=("${@:-45 50 55 60 65 70}")
read -r -a QUALITIES <<<"${QUALITIES[*]}"
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-/tmp/mediaoffload-avif-calibration}
mkdir -p "$WORK/corpus" "$WORK/out"
for tool in butteraugli cwebp dwebp avifdec vips; do
  command -v $tool >/dev/null || { echo "needs $tool (apt-get install -y butteraugli webp libavif-bin libvips-tools)" >&2; exit 1; }
done
MATE=/usr/share/backgrounds/mate
SKIMAGE=/usr/lib/python3/dist-packages/skimage/data
for f in $MATE/nature/Garden.jpg $MATE/nature/LadyBird.jpg $MATE/nature/Storm.jpg $MATE/abstract/Elephants_3840x2160.jpg; do
  n=$(basename "$f" .jpg)
  [ -f "$WORK/corpus/$n.jpg" ] || vips thumbnail "$f" "$WORK/corpus/$n.jpg[Q=92]" 1024
done
cp -f $SKIMAGE/astronaut.png $SKIMAGE/coffee.png "$WORK/corpus/"
dotnet build "$HERE/ImagingBench" -c Release -o "$WORK/bin" -v q -nologo >/dev/null
BENCH=(dotnet "$WORK/bin/ImagingBench.dll")

score() { butteraugli "$1" "$2" 2>/dev/null | tail -1 | awk '{print $1}'; }

header="| image | WebP Q86 bytes | WebP butteraugli |"
sep="|---|---|---|"
for q in "${QUALITIES[@]}"; do header+=" AVIF q$q bytes | q$q butteraugli |"; sep+="---|---|"; done
echo "$header"
echo "$sep"
for f in "$WORK"/corpus/*; do
  n=$(basename "$f")
  ref=$WORK/out/$n.ref.png
  vips copy "$f" "$ref"
  IFS=$'\t' read -r _ _ _ _ _ wbytes _ < <("${BENCH[@]}" encode "$f" --repeat 1 --png-mode lossy --out "$WORK/out/$n.webp")
  dwebp -quiet "$WORK/out/$n.webp" -o "$WORK/out/$n.webp.png"
  row="| $n | $wbytes | $(score "$ref" "$WORK/out/$n.webp.png") |"
  for q in "${QUALITIES[@]}"; do
    IFS=$'\t' read -r _ _ _ _ _ _ _ _ _ abytes _ < <("${BENCH[@]}" encode "$f" --repeat 1 --png-mode lossy --formats avif,webp \
      --avif-quality "$q" --avif-effort "$EFFORT" --avif-out "$WORK/out/$n.q$q.avif")
    avifdec "$WORK/out/$n.q$q.avif" "$WORK/out/$n.q$q.png" >/dev/null
    row+=" $abytes | $(score "$ref" "$WORK/out/$n.q$q.png") |"
  done
  echo "$row"
done
