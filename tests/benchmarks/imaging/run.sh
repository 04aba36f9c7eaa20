#!/usr/bin/env bash
# Imaging benchmark: our libvips encoder vs cwebp vs `vips copy`, same corpus, quality and method.
# Not a test; run by hand:  tests/benchmarks/imaging/run.sh [quality] [effort] [repeats]
# Prints markdown tables on stdout (paste into docs/benchmarks-imaging.md); scratch goes to $WORK.
set -euo pipefail

Q=${1:-86}
M=${2:-4}
N=${3:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-/tmp/mediaoffload-imaging-bench}
CORPUS=$WORK/corpus
OUT=$WORK/out
mkdir -p "$CORPUS" "$OUT"

need=()
command -v cwebp >/dev/null || need+=(webp)
command -v vips >/dev/null || need+=(libvips-tools)
[ -x /usr/bin/time ] || need+=(time)
[ -d /usr/share/backgrounds/mate/nature ] || need+=(mate-backgrounds)
SKIMAGE=/usr/lib/python3/dist-packages/skimage/data
[ -f $SKIMAGE/astronaut.png ] || need+=(python3-skimage)
dpkg -s libvips42 >/dev/null 2>&1 || need+=(libvips42)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi

# --- corpus: photos from mate-backgrounds, PNG photos and graphics from skimage, derived GIF ---
MATE=/usr/share/backgrounds/mate
cp -f $MATE/abstract/Elephants_5640x3172.jpg $MATE/abstract/Elephants_3840x2160.jpg \
  $MATE/nature/Garden.jpg $MATE/nature/LadyBird.jpg $MATE/nature/Storm.jpg "$CORPUS/"
cp -f $SKIMAGE/astronaut.png $SKIMAGE/chelsea.png $SKIMAGE/coffee.png "$CORPUS/"
cp -f $MATE/abstract/Spring.png "$CORPUS/spring-alpha.png"   # 1600x1200 RGBA wallpaper
[ -f "$CORPUS/chelsea.gif" ] || vips copy $SKIMAGE/chelsea.png "$CORPUS/chelsea.gif"
JPEGS=("$CORPUS"/*.jpg)
FILES=("$CORPUS"/*.jpg "$CORPUS"/*.png "$CORPUS"/*.gif)

dotnet build "$HERE/ImagingBench" -c Release -o "$WORK/bin" -v q -nologo >/dev/null
BENCH=(dotnet "$WORK/bin/ImagingBench.dll")

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Runs "$@" N times; prints "median_ms max_rss_kib median_cpu_ms" (CPU = user + sys of the process).
timed() {
  local ms=() cpu=() rss=0 t0 t1 r u s
  for _ in $(seq "$N"); do
    t0=$(date +%s%N)
    read -r r u s < <(/usr/bin/time -f '%M %U %S' "$@" 2>&1 >/dev/null | tail -1)
    t1=$(date +%s%N)
    ms+=($(( (t1 - t0) / 1000 )))
    cpu+=($(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.0f", (u + s) * 1000}'))
    [ "$r" -gt "$rss" ] && rss=$r
  done
  printf '%s %s %s\n' "$(printf '%s\n' "${ms[@]}" | median | awk '{printf "%.1f", $1/1000}')" "$rss" \
    "$(printf '%s\n' "${cpu[@]}" | median)"
}

echo "## Per image (Q=$Q, effort/method=$M, median of $N, $(nproc) cores; ours forced lossy for PNG/GIF to match cwebp)"
echo
echo "| image | size | ours ms | ours MP/s | ours bytes | ours peak RSS MiB | ours CPU ms | cwebp ms | cwebp bytes | cwebp peak RSS MiB | cwebp CPU ms | vips ms | vips bytes | vips peak RSS MiB | time ours/cwebp | CPU ours/cwebp | bytes ours/cwebp |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for f in "${FILES[@]}"; do
  name=$(basename "$f")
  # Timing: median of N in one process. Peak RSS: a fresh process doing a single encode, since repeats in
  # one process measure glibc heap growth across encodes rather than what one encode needs.
  IFS=$'\t' read -r _ w h ms mps bytes _ _ ocpu < <("${BENCH[@]}" encode "$f" --repeat "$N" --quality "$Q" --effort "$M" --png-mode lossy --gif-mode lossy --out "$OUT/$name.ours.webp")
  IFS=$'\t' read -r _ _ _ _ _ _ _ hwm _ < <("${BENCH[@]}" encode "$f" --repeat 1 --quality "$Q" --effort "$M" --png-mode lossy --gif-mode lossy)
  read -r vms vrss _ < <(timed vips copy "$f" "$OUT/$name.vips.webp[Q=$Q,effort=$M,strip]")
  vbytes=$(stat -c %s "$OUT/$name.vips.webp")
  if [[ $f == *.gif ]]; then
    cms=n/a; cbytes=n/a; crss=n/a; ccpu=n/a; tr=n/a; cr=n/a; br=n/a   # cwebp reads no GIF (gif2webp is another tool)
  else
    read -r cms crss ccpu < <(timed cwebp -quiet -q "$Q" -m "$M" -metadata none "$f" -o "$OUT/$name.cwebp.webp")
    cbytes=$(stat -c %s "$OUT/$name.cwebp.webp")
    tr=$(awk -v a="$ms" -v b="$cms" 'BEGIN{printf "%.2f", a/b}')
    cr=$(awk -v a="$ocpu" -v b="$ccpu" 'BEGIN{printf "%.2f", a/b}')
    br=$(awk -v a="$bytes" -v b="$cbytes" 'BEGIN{printf "%.3f", a/b}')
    crss=$((crss / 1024))
  fi
  echo "| $name | ${w}x${h} | $ms | $mps | $bytes | $((hwm / 1024)) | $ocpu | $cms | $cbytes | $crss | $ccpu | $vms | $vbytes | $((vrss / 1024)) | $tr | $cr | $br |"
done

echo
echo "## Throughput, JPEG photos, libvips concurrency 1 per encode"
echo
echo "| workers | encodes | MP | wall s | MP/s |"
echo "|---|---|---|---|---|"
for w in 1 2; do
  "${BENCH[@]}" throughput --workers $w --rounds 3 --concurrency 1 --quality "$Q" --effort "$M" "${JPEGS[@]}" \
    | awk -F'\t' '{printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5}'
done

echo
echo "## PNG rule: lossless vs lossy (Q=$Q) WebP bytes"
echo
echo "| png | source bytes | lossless bytes | lossy bytes | lossy saving % | auto (50%) picks |"
echo "|---|---|---|---|---|---|"
PNGS=("$CORPUS"/*.png $MATE/abstract/Flow.png $MATE/abstract/Gulp.png $MATE/desktop/Stripes.png \
  $MATE/desktop/MATE-Stripes-Dark.png $SKIMAGE/logo.png $SKIMAGE/green_palette.png \
  $SKIMAGE/chessboard_RGB.png $SKIMAGE/camera.png $SKIMAGE/coins.png)
"${BENCH[@]}" pngrule --quality "$Q" --effort "$M" "${PNGS[@]}" \
  | awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6}'
