#!/usr/bin/env python3
"""The local stack, end to end, with no AWS account.

Starts moto_server (the S3 emulator), a WordPress-like origin serving sample uploads and the MediaOffload service
on Kestrel, all bound to 127.0.0.1 on free ports. Sends one signed attachment.uploaded event, the way the
WordPress plugin does, waits for the service to offload every file and write its AVIF and WebP variants, and prints
each object with its Content-Type and Cache-Control. Everything it started is stopped when it ends.
"""
import datetime
import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
from botocore.config import Config

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
API_DLL = os.path.join(REPO, "functions/MediaOffload.Api/bin/Release/net10.0/MediaOffload.Api.dll")
SECRET = "local-demo-secret-" + "0123456789abcdef" * 2
MEDIA_BUCKET, CONTROL_BUCKET = "media-local", "control-local"
ATTACHMENT = "2024/05/sunset.jpg"
SIZES = [(150, 150), (300, 200), (768, 512), (1024, 683), (1536, 1024)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, what, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"demo: {what} did not answer at {url}")


def make_uploads(root):
    """A photo-like original and the sizes WordPress would generate, made with libvips' command line."""
    uploads = os.path.join(root, "wp-content/uploads")
    folder = os.path.join(uploads, os.path.dirname(ATTACHMENT))
    os.makedirs(folder)
    original = os.path.join(uploads, ATTACHMENT)
    width, height = 2048, 1365
    ppm = os.path.join(root, "sunset.ppm")
    with open(ppm, "wb") as f:
        f.write(b"P6 %d %d 255\n" % (width, height))
        for y in range(height):
            sky = bytes((min(255, 120 + y * 135 // height), max(0, 90 - y * 60 // height), 160 - y * 100 // height))
            f.write(sky * width)
    subprocess.run(["vips", "copy", ppm, original + "[Q=85]"], check=True)
    stem, ext = os.path.splitext(original)
    for w, h in SIZES:
        subprocess.run(["vips", "thumbnail", original, f"{stem}-{w}x{h}{ext}", str(w), "--height", str(h), "--crop", "centre"], check=True)
    files = [ATTACHMENT] + [f"{os.path.splitext(ATTACHMENT)[0]}-{w}x{h}.jpg" for w, h in SIZES]
    return uploads, files


def signed_post(url, path, body):
    timestamp = str(int(time.time()))
    canonical = "\n".join(["v2", "service", timestamp, "POST", path, hashlib.sha256(body).hexdigest()])
    signature = hmac.new(SECRET.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(url + path, data=body, method="POST", headers={
        "Content-Type": "application/json",
        "X-MediaOffload-Timestamp": timestamp,
        "X-MediaOffload-Signature": "v2=" + signature,
    })
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read())


def main():
    work = tempfile.mkdtemp(prefix="mediaoffload-demo-")
    processes = []

    def start(args, **kwargs):
        p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, **kwargs)
        processes.append(p)
        return p

    try:
        s3_port, origin_port, api_port = free_port(), free_port(), free_port()
        s3_url = f"http://127.0.0.1:{s3_port}"
        origin_url = f"http://127.0.0.1:{origin_port}"
        api_url = f"http://127.0.0.1:{api_port}"

        print(f"1. S3 emulator (moto_server) on {s3_url}")
        start(["moto_server", "-H", "127.0.0.1", "-p", str(s3_port)])
        wait_http(s3_url + "/moto-api/", "moto_server")
        s3 = boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1", aws_access_key_id="local",
                          aws_secret_access_key="local", config=Config(s3={"addressing_style": "path"}))
        for bucket in (MEDIA_BUCKET, CONTROL_BUCKET):
            s3.create_bucket(Bucket=bucket)

        uploads, files = make_uploads(work)
        print(f"2. WordPress-like origin on {origin_url} serving {len(files)} files of attachment 42")
        start([sys.executable, "-m", "http.server", str(origin_port), "--bind", "127.0.0.1", "--directory", work])
        wait_http(origin_url + "/wp-content/uploads/" + ATTACHMENT, "the origin")

        print(f"3. MediaOffload service on {api_url}")
        env = dict(os.environ,
                   ASPNETCORE_URLS=api_url,
                   AWS_EC2_METADATA_DISABLED="true",
                   Logging__LogLevel__Default="Warning",
                   Offload__Role="local",
                   Offload__MediaBucket=MEDIA_BUCKET,
                   Offload__ControlBucket=CONTROL_BUCKET,
                   Offload__S3__ServiceUrl=s3_url,
                   Offload__SigningSecrets__0=SECRET,
                   Offload__AllowedOrigins__0=origin_url,
                   Offload__AllowHttp="true",
                   Offload__AllowPrivateNetworks="true")
        start(["dotnet", API_DLL], env=env, cwd=os.path.dirname(API_DLL))
        wait_http(api_url + "/healthz", "the service")

        event = {"type": "attachment.uploaded", "site": origin_url, "attachmentId": 42, "files": []}
        for path in files:
            full = os.path.join(uploads, path)
            with open(full, "rb") as f:
                data = f.read()
            modified = datetime.datetime.fromtimestamp(os.path.getmtime(full), datetime.timezone.utc)
            event["files"].append({"path": path, "url": f"{origin_url}/wp-content/uploads/{path}", "size": len(data),
                                   "md5": hashlib.md5(data).hexdigest(), "mime": "image/jpeg",
                                   "modified": modified.strftime("%Y-%m-%dT%H:%M:%SZ")})
        status, answer = signed_post(api_url, "/v1/events", json.dumps(event).encode())
        print(f"4. Signed POST /v1/events -> {status} {answer}")

        # Every file, and next to each its AVIF and WebP variants, written when the file's own S3 event arrives.
        expected = {f"wp-content/uploads/{p}" for p in files}
        expected |= {k + suffix for k in expected for suffix in (".avif", ".webp")}
        deadline = time.time() + 60
        keys = set()
        while time.time() < deadline and not expected <= keys:
            time.sleep(0.25)
            keys = {o["Key"] for o in s3.list_objects_v2(Bucket=MEDIA_BUCKET).get("Contents", [])}

        print(f"5. s3://{MEDIA_BUCKET} now holds:")
        print(f"   {'key':63} {'bytes':>8}  {'Content-Type':12}  Cache-Control")
        for key in sorted(keys):
            head = s3.head_object(Bucket=MEDIA_BUCKET, Key=key)
            print(f"   {key:63} {head['ContentLength']:>8}  {head['ContentType']:12}  {head.get('CacheControl', '-')}")
        missing = expected - keys
        if missing:
            sys.exit(f"demo: not offloaded: {sorted(missing)}")
        print("Done: every file of the attachment and its AVIF and WebP variants are in the media bucket with their headers.")
    finally:
        for p in reversed(processes):
            p.terminate()
        for p in processes:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
