#!/usr/bin/env bash
# Generates a WordPress-like uploads tree: originals plus the sizes WordPress makes (-150x150, -300x200,
# -768x512, -1024x683, -scaled), as real JPEG/PNG bytes. A few seed images are rendered with vips per size;
# every file is a seed with unique trailing bytes after the image end marker (decoders ignore them), so
# contents and MD5s differ without thousands of vips runs.
set -euo pipefail
out=${1:?usage: make-tree.sh DIR [ORIGINALS]}
originals=${2:-350}
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
sizes="150x150 300x200 768x512 1024x683 2560x1707"
for s in 1 2 3; do
  vips gaussnoise "$seeds/n$s.v" 2560 1707 --sigma 25 --mean 128
  vips gaussblur "$seeds/n$s.v" "$seeds/b$s.v" 8
  for wh in $sizes; do
    w=${wh%x*}; h=${wh#*x}
    vips thumbnail "$seeds/b$s.v" "$seeds/$s-$wh.jpg[Q=75]" "$w" --height "$h" --crop centre
  done
  vips thumbnail "$seeds/b$s.v" "$seeds/$s-orig.jpg[Q=82]" 1600 --height 1067
  vips thumbnail "$seeds/b$s.v" "$seeds/$s-orig.png" 800 --height 533
  vips thumbnail "$seeds/b$s.v" "$seeds/$s-150x150.png" 150 --height 150 --crop centre
  vips thumbnail "$seeds/b$s.v" "$seeds/$s-300x200.png" 300 --height 200 --crop centre
done
python3 - "$out" "$originals" "$seeds" <<'PY'
import os, sys, random
out, n, seeds = sys.argv[1], int(sys.argv[2]), sys.argv[3]
random.seed(42)
data = {f: open(os.path.join(seeds, f), 'rb').read() for f in os.listdir(seeds) if not f.endswith('.v')}
def write(path, blob, i):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(blob + b'\0' + str(i).encode())
count = 0
for i in range(n):
    year, month = 2019 + i % 6, 1 + (i // 6) % 12
    d = os.path.join(out, f"{year}", f"{month:02d}")
    s = 1 + i % 3
    if i % 5 == 4:  # a PNG upload: WordPress makes fewer sizes for small images
        base = f"screenshot-{i}"
        write(os.path.join(d, base + ".png"), data[f"{s}-orig.png"], i); count += 1
        for wh in ("150x150", "300x200"):
            write(os.path.join(d, f"{base}-{wh}.png"), data[f"{s}-{wh}.png"], i); count += 1
    else:
        base = f"photo-{i}"
        write(os.path.join(d, base + ".jpg"), data[f"{s}-orig.jpg"], i); count += 1
        for wh in ("150x150", "300x200", "768x512", "1024x683"):
            write(os.path.join(d, f"{base}-{wh}.jpg"), data[f"{s}-{wh}.jpg"], i); count += 1
        write(os.path.join(d, f"{base}-scaled.jpg"), data[f"{s}-2560x1707.jpg"], i); count += 1
print(count)
PY
