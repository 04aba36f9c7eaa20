#!/usr/bin/env bash
# Builds media-offload as one native (NativeAOT) linux-x64 binary at artifacts/cli/media-offload and, given a
# folder, copies it there:   scripts/install-cli.sh /opt/media-offload
# The binary needs no .NET runtime; it loads libvips (libvips42) and ICU (libicu) from the system at run time.
# Building needs clang and zlib1g-dev, which scripts/bootstrap.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/cli

dotnet publish functions/MediaOffload.Cli/MediaOffload.Cli.csproj -c Release -r linux-x64 -o "$out" --nologo -v quiet
test -x "$out/media-offload"

if [ $# -gt 0 ]; then
  mkdir -p "$1"
  install -m 0755 "$out/media-offload" "$1/media-offload"
  echo "installed $1/media-offload"
else
  echo "built $out/media-offload"
fi
