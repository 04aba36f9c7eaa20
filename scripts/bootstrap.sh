#!/usr/bin/env bash
# Installs what the local run and the tests need on a fresh Debian machine, and checks the rest is there.
# Safe to run again: it installs only what is missing.
set -euo pipefail

# clang and zlib1g-dev: the NativeAOT build of the CLI links with them (scripts/install-cli.sh). No libvips42 of its
# own: the .NET code loads NetVips.Native's libvips 8.18 build. libvips-tools stays for the `vips` command, which the CLI
# tests use to make their images (it brings Debian's libvips42 along, which nothing of ours loads); webp is cwebp
# for the imaging benchmarks.
APT_PACKAGES=(libvips-tools webp clang zlib1g-dev)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "bootstrap: '$1' is required: $2" >&2; exit 1; }
}
need dotnet "install the .NET 10 SDK (https://dot.net)"
need python3 "install Python 3"
need moto_server "install the S3 emulator: pip install 'moto[server]'"
python3 -c "import boto3" 2>/dev/null || { echo "bootstrap: Python boto3 is required (it comes with moto)" >&2; exit 1; }

# s3rver, the second S3 emulator of the compatibility tests (tests/MediaOffload.TestSupport/S3rver.cs) and the sync
# benchmark, pinned with its lockfile and installed into the repository, never globally. Skipped when present.
if ! command -v npm >/dev/null 2>&1; then
  echo "bootstrap: installing nodejs npm"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi
S3RVER_DIR="$(cd "$(dirname "$0")/.." && pwd)/tests/MediaOffload.TestSupport/s3rver"
if [ ! -f "$S3RVER_DIR/node_modules/s3rver/package.json" ]; then
  echo "bootstrap: installing s3rver into $S3RVER_DIR"
  npm ci --prefix "$S3RVER_DIR" --no-audit --no-fund --silent >/dev/null
fi
