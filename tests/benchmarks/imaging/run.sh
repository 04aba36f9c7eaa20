#!/usr/bin/env bash
# Imaging benchmark, side by side in one run: our encoder (NetVips.Native's libvips) vs cwebp for WebP, and vs avifenc
# at the same speed and quantizer for AVIF; CPU, wall, bytes, peak RSS each, and butteraugli distances.
# Not a test; run by hand:  tests/benchmarks/imaging/run.sh [quality] [effort] [repeats] [avif-quality] [avif-effort]
# Prints markdown tables on stdout (docs/imaging.md, "Benchmarks"); scratch goes to $WORK.
set -euo pipefail

Q=${1:-86}
M=${2:-4}
N=${3:-5}
AN=${AN:-$N}   # repeats for the (slow) AVIF table
AQ=${4:-$(sed -n 's/.*AvifQuality { get; set; } = \([0-9]*\);/\1/p' "$(dirname "$0")/../../../functions/MediaOffload.Core/Variants/VariantOptions.cs")}
AE=${5:-$(sed -n 's/.*AvifEffort { get; set; } = \([0-9]*\);/\1/p' "$(dirname "$0")/../../../functions/MediaOffload.Core/Variants/VariantOptions.cs")}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-/tmp/mediaoffload-imaging-bench}
CORPUS=$WORK/corpus
OUT=$WORK/out
mkdir -p "$CORPUS" "$OUT"

need=()
command -v cwebp >/dev/null || need+=(webp)
command -v vips >/dev/null || need+=(libvips-tools)
command -v avifenc >/dev/null || need+=(libavif-bin)
command -v butteraugli >/dev/null || need+=(butteraugli)
[ -x /usr/bin/time ] || need+=(time)
[ -d /usr/share/backgrounds/mate/nature ] || need+=(mate-backgrounds)
SKIMAGE=/usr/lib/python3/dist-packages/skimage/data
[ -f $SKIMAGE/astronaut.png ] || need+=(python3-skimage)
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
echo "| image | size | ours ms | ours MP/s | ours bytes | ours peak RSS MiB | ours CPU ms | cwebp ms | cwebp bytes | cwebp peak RSS MiB | cwebp CPU ms | time ours/cwebp | CPU ours/cwebp | bytes ours/cwebp | identical |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for f in "${FILES[@]}"; do
  name=$(basename "$f")
  # Timing: median of N in one process. Peak RSS: a fresh process doing a single encode, since repeats in
  # one process measure glibc heap growth across encodes rather than what one encode needs.
  IFS=$'\t' read -r _ w h ms mps bytes _ _ ocpu _ < <("${BENCH[@]}" encode "$f" --repeat "$N" --quality "$Q" --effort "$M" --png-mode lossy --gif-mode lossy --out "$OUT/$name.ours.webp")
  IFS=$'\t' read -r _ _ _ _ _ _ _ hwm _ < <("${BENCH[@]}" encode "$f" --repeat 1 --quality "$Q" --effort "$M" --png-mode lossy --gif-mode lossy)
  if [[ $f == *.gif ]]; then
    cms=n/a; cbytes=n/a; crss=n/a; ccpu=n/a; tr=n/a; cr=n/a; br=n/a; same=n/a   # cwebp reads no GIF (gif2webp is another tool)
  else
    read -r cms crss ccpu < <(timed cwebp -quiet -q "$Q" -m "$M" -metadata none "$f" -o "$OUT/$name.cwebp.webp")
    cbytes=$(stat -c %s "$OUT/$name.cwebp.webp")
    tr=$(awk -v a="$ms" -v b="$cms" 'BEGIN{printf "%.2f", a/b}')
    cr=$(awk -v a="$ocpu" -v b="$ccpu" 'BEGIN{printf "%.2f", a/b}')
    br=$(awk -v a="$bytes" -v b="$cbytes" 'BEGIN{printf "%.3f", a/b}')
    crss=$((crss / 1024))
    cmp -s "$OUT/$name.ours.webp" "$OUT/$name.cwebp.webp" && same=yes || same=no
  fi
  echo "| $name | ${w}x${h} | $ms | $mps | $bytes | $((hwm / 1024)) | $ocpu | $cms | $cbytes | $crss | $ccpu | $tr | $cr | $br | $same |"
done

# AVIF: ours makes WebP and AVIF from one decode, so its AVIF cost is (both) - (WebP alone), in one process each for
# CPU, a fresh process for peak RSS. avifenc gets the same speed (libaom cpu-used = 9 - effort) and quantizer (libheif
# maps quality q to cq-level (100 - q) * 63 / 100; avifenc 0.11 takes cq-level (min + max) / 2), 4:2:0, 8-bit, one
# thread per job like libaom's default in libheif. Photos only (JPEG and the PNG photos); the 2560x2560 square is the
# largest size that gets an AVIF by default (AvifMaxPixels). Butteraugli only up to 1 MP (it is slow; calibrate-avif.sh
# scores the photos at 1024 px).
CQ=$(( ((100 - AQ) * 63 + 50) / 100 ))
SQUARE=$CORPUS/Elephants_2560x2560.jpg
[ -f "$SQUARE" ] || vips thumbnail "$MATE/abstract/Elephants_5640x3172.jpg" "$SQUARE[Q=92]" 2560 --height 2560 --crop centre
# score SOURCE VARIANT DECODER: butteraugli distance of the decoded variant to the decoded source.
dwebp_to() { dwebp -quiet "$1" -o "$2"; }
score() { local a=$OUT/score-a.png b=$OUT/score-b.png; vips copy "$1" "$a"; "$3" "$2" "$b" >/dev/null 2>&1; butteraugli "$a" "$b" 2>/dev/null | tail -1 | awk '{printf "%.2f", $1}'; }
echo
echo "## AVIF (ours q=$AQ effort=$AE vs avifenc -s $((9 - AE)) --min 0 --max $((2 * CQ)) -y 420 -d 8), WebP Q=$Q for reference, median of $AN"
echo
echo "| image | size | ours WebP+AVIF CPU ms | ours WebP+AVIF wall ms | ours WebP+AVIF peak RSS MiB | ours AVIF CPU ms | ours AVIF bytes | avifenc CPU ms | avifenc wall ms | avifenc peak RSS MiB | avifenc bytes | CPU ours/avifenc | butteraugli WebP | butteraugli ours AVIF | butteraugli avifenc |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for f in "${JPEGS[@]}" "$CORPUS"/astronaut.png "$CORPUS"/chelsea.png "$CORPUS"/coffee.png "$SQUARE"; do
  name=$(basename "$f")
  # Only sizes that get an AVIF by default (AvifMaxPixels, 2560 x 2560); docs/imaging.md has the 5640x3172 case.
  [ $(( $(vipsheader -f width "$f") * $(vipsheader -f height "$f") )) -le 6553600 ] || continue
  IFS=$'\t' read -r _ w h _ _ wbytes _ _ wcpu _ < <("${BENCH[@]}" encode "$f" --repeat "$AN" --quality "$Q" --effort "$M" --png-mode lossy --out "$OUT/$name.ours.webp")
  IFS=$'\t' read -r _ _ _ bms _ _ _ _ bcpu abytes _ < <("${BENCH[@]}" encode "$f" --repeat "$AN" --quality "$Q" --effort "$M" --png-mode lossy \
    --formats avif,webp --avif-quality "$AQ" --avif-effort "$AE" --avif-out "$OUT/$name.ours.avif")
  IFS=$'\t' read -r _ _ _ _ _ _ _ bhwm _ < <("${BENCH[@]}" encode "$f" --repeat 1 --quality "$Q" --effort "$M" --png-mode lossy \
    --formats avif,webp --avif-quality "$AQ" --avif-effort "$AE")
  read -r ams arss acpu < <(N=$AN timed avifenc -s $((9 - AE)) --min 0 --max $((2 * CQ)) -y 420 -d 8 -j 1 --ignore-exif --ignore-xmp --ignore-icc "$f" "$OUT/$name.avifenc.avif")
  acpu_ours=$(awk -v a="$bcpu" -v b="$wcpu" 'BEGIN{printf "%.0f", a-b}')
  if [ $((w * h)) -le 1000000 ]; then
    sw=$(score "$f" "$OUT/$name.ours.webp" dwebp_to); so=$(score "$f" "$OUT/$name.ours.avif" avifdec); sa=$(score "$f" "$OUT/$name.avifenc.avif" avifdec)
  else
    sw=-; so=-; sa=-
  fi
  echo "| $name | ${w}x${h} | $bcpu | $bms | $((bhwm / 1024)) | $acpu_ours | $abytes | $acpu | $ams | $((arss / 1024)) | $(stat -c %s "$OUT/$name.avifenc.avif") | $(awk -v a="$acpu_ours" -v b="$acpu" 'BEGIN{printf "%.2f", a/b}') | $sw | $so | $sa |"
done


[ "${SKIP_EXTRA:-0}" = 1 ] && exit 0   # SKIP_EXTRA=1: only the per-image and AVIF tables
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
