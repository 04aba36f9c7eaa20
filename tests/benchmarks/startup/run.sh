#!/usr/bin/env bash
# Startup of the JIT build against the native (NativeAOT) build, on loopback only:
#   - the CLI: `media-offload --help` wall time, and a no-op `sync` (state file warm, nothing to do) against a
#     local moto_server;
#   - the Api: process start to the first 200 from GET /healthz (role api, S3 pointed at the local moto_server).
# Each figure is the median (and min/max) of RUNS runs, default 15; the builds are made first (JIT: the Release
# build; native: scripts/install-cli.sh for the CLI and `dotnet publish -p:PublishAot=true` for the Api).
#   tests/benchmarks/startup/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../../.."
runs=${1:-15}
work=$(mktemp -d)
moto_pid=""
cleanup() {
  [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build functions/MediaOffload.Cli/MediaOffload.Cli.csproj -c Release --nologo -v quiet >/dev/null
dotnet build functions/MediaOffload.Api/MediaOffload.Api.csproj -c Release --nologo -v quiet >/dev/null
bash scripts/install-cli.sh >/dev/null
api_native=""
if dotnet publish functions/MediaOffload.Api/MediaOffload.Api.csproj -c Release -r linux-x64 -p:PublishAot=true \
     -o "$work/api-aot" --nologo -v quiet >"$work/api-aot.log" 2>&1; then
  api_native="$work/api-aot/MediaOffload.Api"
else
  echo "Api NativeAOT publish failed (see docs/decisions.md):"; tail -20 "$work/api-aot.log"
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1
python3 - "$runs" "$port" "$work" "$api_native" <<'PY'
import os, shutil, socket, statistics, subprocess, sys, time, http.client
import boto3

runs, port, work, api_native = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
endpoint = f"http://127.0.0.1:{port}"
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close(); break
    except OSError:
        time.sleep(0.05)
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
for b in ("startup-media", "startup-control"):
    s3.create_bucket(Bucket=b)

cli = {"JIT": ["functions/MediaOffload.Cli/bin/Release/net10.0/media-offload"], "NativeAOT": ["artifacts/cli/media-offload"]}
api = {"JIT": ["functions/MediaOffload.Api/bin/Release/net10.0/MediaOffload.Api"]}
if api_native:
    api["NativeAOT"] = [api_native]

def timed(cmd, **kw):
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.decode()[-500:]}")
    return (time.perf_counter() - t) * 1000

def row(label, build, samples):
    print(f"| {label} | {build} | {statistics.median(samples):.0f} | {min(samples):.0f} | {max(samples):.0f} | {len(samples)} |")

# A small uploads tree: a no-op sync then only lists and reads the state file.
uploads = os.path.join(work, "uploads", "2024", "05")
os.makedirs(uploads)
for i in range(20):
    with open(os.path.join(uploads, f"doc-{i}.pdf"), "wb") as f:
        f.write(b"%PDF-1.4\n% " + str(i).encode() + b"\n%%EOF\n")
root = os.path.join(work, "uploads")

print(f"load average before: {os.getloadavg()[0]:.2f} (1 min), on {os.cpu_count()} cores")
print(f"| what | build | median ms | min ms | max ms | runs |")
print(f"|---|---|---|---|---|---|")
for build, cmd in cli.items():
    samples = [timed(cmd + ["--help"]) for _ in range(runs)]
    row("`media-offload --help`", build, samples)
for build, cmd in cli.items():
    state = os.path.join(work, f"state-{build}.jsonl")
    sync = cmd + ["sync", root, "--bucket", "startup-media", "--endpoint-url", endpoint, "--state", state, "--json"]
    timed(sync); timed(sync)  # upload, then learn LastModified: from here on a run has nothing to do
    samples = [timed(sync) for _ in range(runs)]
    row("`media-offload sync` (no-op, 20 files)", build, samples)

def healthz(cmd):
    hport = int(subprocess.check_output(["python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"]))
    env = dict(os.environ, ASPNETCORE_URLS=f"http://127.0.0.1:{hport}", ASPNETCORE_ENVIRONMENT="Production",
               Offload__Role="api", Offload__MediaBucket="startup-media", Offload__ControlBucket="startup-control",
               Offload__S3__ServiceUrl=endpoint, Offload__SigningSecrets__0="startup-secret-0123456789abcdef0123456789",
               Offload__AllowedOrigins__0="https://blog.example.com", Logging__LogLevel__Default="Warning")
    t = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = t + 30
        while time.perf_counter() < deadline:
            if p.poll() is not None:
                raise SystemExit(f"{cmd[0]} exited {p.returncode}: {p.stderr.read().decode()[-800:]}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", hport, timeout=1)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    return (time.perf_counter() - t) * 1000
            except OSError:
                time.sleep(0.002)
        raise SystemExit(f"{cmd[0]}: no 200 from /healthz within 30 s")
    finally:
        p.terminate()
        p.wait(10)

for build, cmd in api.items():
    samples = [healthz(cmd) for _ in range(runs)]
    row("Api: start to first 200 from `/healthz`", build, samples)
print(f"load average after: {os.getloadavg()[0]:.2f} (1 min)")
PY
