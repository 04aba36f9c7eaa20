#!/usr/bin/env bash
# The main job, end to end on this machine: a local S3 (moto_server), the service on Kestrel, and a local
# WordPress-like origin. It sends a signed upload event and prints what landed in the media bucket.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export AWS_EC2_METADATA_DISABLED=true
dotnet build functions/MediaOffload.Api/MediaOffload.Api.csproj -c Release -nologo -v quiet
exec python3 infra/local/demo.py "$@"
