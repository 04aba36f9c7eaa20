#!/usr/bin/env python3
"""End-to-end, hostile and fault tests of remote-only files (docs/remote-only.md).

e2e.Stack's real parts on 127.0.0.1 (MariaDB, WordPress on php -S, moto_server with a versioned media bucket, the
service), plus:
- WP-Cron runs only when a check requests /wp-cron.php (DISABLE_WP_CRON, as with a system cron: docs/plugin.md,
  "Cron"), so a removal runs exactly when a check starts it;
- removal is switched on and off by the wp-config constant MEDIA_OFFLOAD_REMOVE_LOCAL (a flag file);
- a test mu-plugin (e2e/mu-remote-only.php) that sleeps inside the plugin's removing/restoring actions so php -S can
  be SIGKILLed there, logs every outgoing HTTP request, and can send a restore download to a loopback server;
- a loopback CloudFront stand-in (EdgeServer) that headless Chromium's https://cdn.e2e.test/ requests are routed to:
  AVIF, then WebP, then the original from the media bucket, WordPress on 403/404, as the edge does.

Prints one line per check and "E2E remote-only: N passed, N failed"; exits non-zero on a failure. Artifacts:
MO_E2E_ARTIFACTS (default tests/wordpress/artifacts/remote-only/).
"""
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # e2e's http() shadows the package

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import e2e  # noqa: E402 - the shared stack and helpers

TESTS = os.path.dirname(HERE)
ARTIFACTS = os.environ.get("MO_E2E_ARTIFACTS") or os.path.join(TESTS, "artifacts", "remote-only")
e2e.ARTIFACTS = ARTIFACTS  # check() and Stack write their logs and tracebacks there
from e2e import CDN, MEDIA_BUCKET, ImgParser, check, http, log, md5_of, wait_for  # noqa: E402

WAIT = e2e.WAIT
PREFIX = "wp-content/uploads/"
MARKER = ".media-offload-remote-only"
PART = ".media-offload-part-"
REMOVE_HOOK = "media_offload_remove_local"


def md5_bytes(data):
    return hashlib.md5(data).hexdigest()


class EdgeServer:
    """CloudFront in front of the media bucket, on loopback: a viewer accepting AVIF gets <key>.avif, else one
    accepting WebP gets <key>.webp, else the original; a key the bucket lacks (403/404) goes to WordPress, as the
    MediaWithFallback origin group does. Reads the bucket with boto3, as the OAI would."""

    def __init__(self, stack):
        self.stack = stack
        self.served = []
        edge = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_):
                pass

            def do_GET(self):  # noqa: N802 - BaseHTTPRequestHandler's name
                key = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path).lstrip("/")
                accept = self.headers.get("Accept", "")
                candidates = ([key + ".avif"] if "image/avif" in accept else []) + \
                             ([key + ".webp"] if "image/webp" in accept else []) + [key]
                for candidate in candidates:
                    try:
                        o = edge.stack.s3.get_object(Bucket=MEDIA_BUCKET, Key=candidate)
                    except Exception:  # noqa: BLE001 - 403/404: the next one, then WordPress
                        continue
                    body = o["Body"].read()
                    edge.served.append({"key": key, "served": candidate, "md5": md5_bytes(body), "origin": "s3"})
                    self.reply(200, o.get("ContentType", "application/octet-stream"), body)
                    return
                status, body, headers = http("GET", edge.stack.wp_url + self.path)
                edge.served.append({"key": key, "served": None, "status": status, "origin": "wordpress"})
                self.reply(status, headers.get("Content-Type", "text/html"), body)

            def reply(self, status, ctype, body):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Vary", "Accept")
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class BadDownload:
    """A loopback server standing in for the presigned S3 GET: `truncated` announces the object's full length and
    sends half of it, then closes; `altered` sends the right length with one byte flipped."""

    def __init__(self):
        self.body = b""
        self.mode = "truncated"
        self.hits = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_):
                pass

            def do_GET(self):  # noqa: N802
                owner.hits += 1
                body = owner.body
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if owner.mode == "truncated":
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                else:
                    self.wfile.write(body[:-1] + bytes([body[-1] ^ 0xFF]))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/object"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class RemoteStack(e2e.Stack):
    """e2e.Stack with WP-Cron run by the test, removal switched by a wp-config constant, and the test mu-plugin."""

    def install_wordpress(self):
        super().install_wordpress()
        config = os.path.join(self.wp_dir, "wp-config.php")
        with open(config) as f:
            text = f.read()
        extra = (
            "// e2e_remote_only.py: WP-Cron runs when the test requests wp-cron.php, as a system cron would, so a\n"
            "// removal starts only when a check starts it. A killed cron run's lock expires after 5 s.\n"
            "define( 'DISABLE_WP_CRON', true );\n"
            "define( 'WP_CRON_LOCK_TIMEOUT', 5 );\n"
            "// Remove local copies: the constant wins over the settings page (docs/remote-only.md).\n"
            "if ( file_exists( __DIR__ . '/e2e-remove-local' ) ) {\n"
            "\tdefine( 'MEDIA_OFFLOAD_REMOVE_LOCAL', '1' === trim( (string) file_get_contents( __DIR__ . '/e2e-remove-local' ) ) );\n"
            "}\n")
        assert "$table_prefix = 'wp_';" in text
        with open(config, "w") as f:
            f.write(text.replace("$table_prefix = 'wp_';", extra + "$table_prefix = 'wp_';", 1))
        shutil.copy(os.path.join(HERE, "mu-remote-only.php"), os.path.join(self.wp_dir, "wp-content/mu-plugins/e2e-remote-only.php"))

    def traffic(self):
        """The system cron: one wp-cron.php request, which runs every due event before it answers."""
        try:
            http("GET", self.wp_url + "/wp-cron.php", timeout=90)
        except Exception:  # noqa: BLE001
            pass

    def removal(self, on):
        with open(os.path.join(self.wp_dir, "e2e-remove-local"), "w") as f:
            f.write("1" if on else "0")

    def kill_wordpress(self):
        """SIGKILL the php -S this stack started, and its workers (its process group, started by Stack.start)."""
        p = self.procs.pop("wordpress")
        os.killpg(p.pid, signal.SIGKILL)
        p.wait(timeout=10)

    def cli(self, *args, check=True):
        return self.wp("cli", *args, check=check)

    def http_log(self):
        path = os.path.join(self.wp_dir, "e2e-http.jsonl")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]


class Suite:
    def __init__(self, stack):
        self.s = stack
        self.base = e2e.Suite(stack)  # wait_state, expect_offloaded, status_of, admin_page
        self.att = {}        # name -> attachment id
        self.before = {}     # relative path -> MD5 recorded on disk before any removal
        self.sizes = {}      # relative path -> bytes on disk after upload
        self.edge = None

    # -- oracles ---------------------------------------------------------------------------------------------
    def wp_json(self, *args):
        return json.loads(self.s.wp(*args).strip().splitlines()[-1])

    def wp_files(self, att_id):
        """Every file WordPress's own meta names for the attachment: the independent list of what it had."""
        attached = self.wp_json("meta", str(att_id), "_wp_attached_file")
        meta = self.wp_json("meta", str(att_id), "_wp_attachment_metadata") or {}
        backups = self.wp_json("meta", str(att_id), "_wp_attachment_backup_sizes") or {}
        folder = os.path.dirname(attached)
        names = {attached}
        if meta.get("original_image"):
            names.add(os.path.join(folder, meta["original_image"]))
        for size in (meta.get("sizes") or {}).values():
            names.add(os.path.join(folder, size["file"]))
        for size in (backups.values() if isinstance(backups, dict) else []):
            names.add(os.path.join(folder, size["file"]))
        return sorted(names)

    def record(self, att_id):
        return self.wp_json("meta", str(att_id), "_media_offload_files") or {}

    def rows(self, att_id=None):
        return {r["path"]: r for r in self.wp_json("index", *([str(att_id)] if att_id else []))}

    def local(self, rel):
        return os.path.join(self.s.uploads, rel)

    def exists(self, rel):
        return os.path.isfile(self.local(rel))

    def marker(self):
        path = os.path.join(self.s.uploads, MARKER)
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return json.load(f)

    def object_md5(self, rel):
        """MD5 of the bytes the media bucket holds now for the file (GET, not its headers), or None."""
        try:
            return md5_bytes(self.s.s3.get_object(Bucket=MEDIA_BUCKET, Key=PREFIX + rel)["Body"].read())
        except self.s.s3.exceptions.NoSuchKey:
            return None

    def parts(self, folder):
        """Leftover restore part files below the uploads folder (or another folder)."""
        found = []
        for root, _, names in os.walk(folder):
            found += [os.path.join(root, n) for n in names if PART in n]
        return found

    def is_remote(self, att_id, rel):
        entry = self.record(att_id).get(rel) or {}
        return bool(entry.get("remote"))

    def remote_rows(self):
        return {p: r for p, r in self.rows().items() if str(r.get("remote_only", "0")) == "1"}

    def upload_big(self, name, width, height, seed):
        os.makedirs(os.path.join(self.s.tmp, "src"), exist_ok=True)
        src = os.path.join(self.s.tmp, "src", name)
        subprocess.run(["php", os.path.join(HERE, "make-image.php"), src, str(width), str(height), str(seed)], check=True)
        att = self.s.upload(src, name, "image/jpeg")
        files = self.wp_files(att["id"])
        assert any(f.endswith("-scaled.jpg") for f in files), f"no -scaled file: {files}"
        assert len(files) >= 6, f"too few sizes: {files}"
        self.base.expect_offloaded(files, timeout=WAIT * 2)
        self.base.wait_state(att["id"], "offloaded")
        for f in files:
            self.before[f] = md5_of(self.local(f))
            self.sizes[f] = os.path.getsize(self.local(f))
        return att["id"], files

    def remove_local(self, *flags, check=True):
        """`wp media-offload remove-local` with removal on."""
        self.s.removal(True)
        return self.s.cli("remove-local", *flags, check=check)

    def cron_removal(self):
        """The removal as WP-Cron runs it: its event due now, then one wp-cron.php request."""
        self.s.removal(True)
        moved = self.wp_json("cron-due", REMOVE_HOOK)
        assert moved["moved"] >= 1, f"{REMOVE_HOOK} is not scheduled"
        status, body, _ = http("GET", self.s.wp_url + "/wp-cron.php", timeout=90)
        assert status == 200, (status, body[:200])

    def assert_untouched(self, att_id, files, why):
        """Every file present, byte-identical to before, and not recorded remote-only."""
        missing = [f for f in files if not self.exists(f)]
        assert not missing, f"{why}: removed {missing}"
        changed = [f for f in files if md5_of(self.local(f)) != self.before[f]]
        assert not changed, f"{why}: changed {changed}"
        remote = [f for f in files if self.is_remote(att_id, f)]
        assert not remote, f"{why}: recorded remote-only {remote}"

    def assert_remote_only(self, att_id, files):
        """Each file: no local copy, recorded remote-only with its MD5, index row remote_only, the bucket's bytes."""
        record, rows = self.record(att_id), self.rows(att_id)
        for f in files:
            assert not self.exists(f), f"{f} is still on disk"
            entry = record.get(f) or {}
            assert entry.get("remote"), f"{f} is not recorded remote-only: {entry}"
            assert entry.get("md5") == self.before[f], f"{f}: recorded MD5 {entry.get('md5')} != {self.before[f]}"
            assert str(rows.get(f, {}).get("remote_only")) == "1", f"{f}: index row {rows.get(f)}"
            assert self.object_md5(f) == self.before[f], f"{f}: the bucket's object differs from the removed file"

    def assert_marker(self):
        """The marker counts every remote-only file of the site, with their recorded bytes."""
        remote = self.remote_rows()
        marker = self.marker()
        if not remote:
            assert marker is None, f"no remote-only file, yet the marker says {marker}"
            return None
        assert marker is not None, f"{len(remote)} remote-only files and no {MARKER}"
        assert marker.get("files") == len(remote), f"marker {marker} vs {len(remote)} remote-only rows"
        assert marker.get("bytes") == sum(int(r["size"]) for r in remote.values()), f"marker {marker} vs rows' bytes"
        assert marker.get("updated"), marker
        return marker

    def previous_version(self, rel):
        """Puts back the bucket's previous version of a key (the recovery versioning exists for)."""
        key = PREFIX + rel
        versions = self.s.s3.list_object_versions(Bucket=MEDIA_BUCKET, Prefix=key)
        for marker in versions.get("DeleteMarkers", []):
            if marker["Key"] == key and marker["IsLatest"]:
                self.s.s3.delete_object(Bucket=MEDIA_BUCKET, Key=key, VersionId=marker["VersionId"])
                return
        older = sorted((v for v in versions.get("Versions", []) if v["Key"] == key and not v["IsLatest"]),
                       key=lambda v: v["LastModified"], reverse=True)
        assert older, f"no earlier version of {key}"
        self.s.s3.copy_object(Bucket=MEDIA_BUCKET, Key=key, MetadataDirective="COPY",
                              CopySource={"Bucket": MEDIA_BUCKET, "Key": key, "VersionId": older[0]["VersionId"]})

    def sleeping(self, timeout=60):
        path = os.path.join(self.s.wp_dir, "e2e-sleeping.json")
        return wait_for(lambda: os.path.exists(path) and os.path.getsize(path) and json.load(open(path)), "the mu-plugin to sleep", timeout=timeout, interval=0.2)

    def clear_sleep(self):
        for option in ("e2e_sleep_removing", "e2e_sleep_restoring"):
            self.s.wp("set-option", option, "0")
        path = os.path.join(self.s.wp_dir, "e2e-sleeping.json")
        if os.path.exists(path):
            os.unlink(path)

    def invariant(self, why):
        """Every file of every attachment is local with its MD5, or absent and recorded remote-only with an object of
        that MD5: never absent locally and unrecorded (docs/remote-only.md, "Order of writes")."""
        for name, att_id in self.att.items():
            record = self.record(att_id)
            for f in self.wp_files(att_id):
                if f not in self.before:
                    continue
                if self.exists(f):
                    assert md5_of(self.local(f)) == self.before[f], f"{why}: {f} is on disk with other bytes"
                    continue
                entry = record.get(f) or {}
                assert entry.get("remote") and entry.get("md5") == self.before[f], f"{why}: {f} is gone and not recorded ({entry})"
                assert self.object_md5(f) == self.before[f], f"{why}: {f} is gone and the bucket does not hold it"

    # -- checks ----------------------------------------------------------------------------------------------
    @check("Setup: a 2600x1000 JPEG (original, -scaled, sizes) offloaded, its job verified")
    def setup_b(self):
        self.s.removal(False)
        self.att["b"], files = self.upload_big("e2e-remote-b.jpg", 2600, 1000, 5)
        self.files_b = files
        log(f"     attachment {self.att['b']}: {len(files)} files")

    @check("Unversioned bucket (Suspended): removal removes nothing and says the bucket is not versioned")
    def unversioned(self):
        files = self.files_b
        self.s.set_versioning("Suspended")
        try:
            p = self.remove_local(check=False)
            out = p.stdout + p.stderr
            self.assert_untouched(self.att["b"], files, "unversioned bucket")
            assert self.marker() is None, f"marker written: {self.marker()}"
            assert "not versioned" in out, f"the CLI does not say why: {out[-600:]}"
            # The cron path refuses the same way.
            self.cron_removal()
            self.assert_untouched(self.att["b"], files, "unversioned bucket, WP-Cron")
            # The status panel on the settings page says why too.
            panel = self.base.admin_page(self.s.wp_url, "/wp-admin/options-general.php?page=media-offload")
            assert "not versioned" in panel, "the status panel does not say the bucket is not versioned"
            log(f"     CLI: {[line for line in out.splitlines() if 'version' in line][:2]}")
        finally:
            self.s.removal(False)
            self.s.set_versioning("Enabled")

    @check("Service down during removal: nothing removed, every file byte-identical; the CLI says the service did not answer")
    def service_down(self):
        files = self.files_b
        self.s.stop("service")
        try:
            p = self.remove_local(check=False)
            out = p.stdout + p.stderr
            self.assert_untouched(self.att["b"], files, "service down")
            assert p.returncode != 0 and "could not be reached" in out, f"the CLI does not say the service is down: {out[-400:]}"
            self.cron_removal()
            self.assert_untouched(self.att["b"], files, "service down, WP-Cron")
            assert self.marker() is None, f"marker written: {self.marker()}"
            log(f"     CLI exit {p.returncode}: {out.strip().splitlines()[-1][:120] if out.strip() else ''}")
        finally:
            self.s.removal(False)
            self.s.start_service()

    @check("Object missing / with another MD5 at removal time: that file stays, byte-identical; the others go")
    def object_tampered(self):
        files = self.files_b
        missing = next(f for f in files if "-300x" in f)
        other = next(f for f in files if "-150x150" in f)
        self.s.s3.delete_object(Bucket=MEDIA_BUCKET, Key=PREFIX + missing)
        # Same size, one byte flipped: only the MD5 tells them apart.
        with open(self.local(other), "rb") as f:
            altered = f.read()
        altered = altered[:-3] + bytes([altered[-3] ^ 0xFF]) + altered[-2:]
        self.s.s3.put_object(Bucket=MEDIA_BUCKET, Key=PREFIX + other, Body=altered, ContentType="image/jpeg")
        try:
            p = self.remove_local(check=False)
            out = p.stdout + p.stderr
            self.assert_untouched(self.att["b"], [missing, other], "tampered objects")
            rest = [f for f in files if f not in (missing, other)]
            self.assert_remote_only(self.att["b"], rest)
            self.assert_marker()
            log(f"     kept {missing} (no object) and {other} (MD5 differs); {len(rest)} removed")
            log(f"     CLI: {[line for line in out.splitlines() if missing in line or other in line][:2]}")
        finally:
            self.s.removal(False)
            self.previous_version(missing)
            self.previous_version(other)
        assert self.object_md5(missing) == self.before[missing] and self.object_md5(other) == self.before[other]
        # Back from the bucket's versions, they are removed by the next run too.
        self.remove_local()
        self.s.removal(False)
        self.assert_remote_only(self.att["b"], files)

    @check("Removal from WP-Cron: a 2800x1900 JPEG's every file gone locally, index remote_only, marker counts, post renders from the CDN")
    def removal_cron(self):
        self.att["a"], files = self.upload_big("e2e-remote-a.jpg", 2800, 1900, 1)
        self.files_a = files
        # A post embedding it, published while its files are local.
        att_id = self.att["a"]
        large = next(f for f in files if "-1024x" in f)
        content = (f'<!-- wp:image {{"id":{att_id},"sizeSlug":"large"}} --><figure class="wp-block-image size-large">'
                   f'<img src="{self.s.wp_url}/{PREFIX}{large}" alt="" class="wp-image-{att_id}"/></figure><!-- /wp:image -->')
        status, body, _ = http("POST", self.s.wp_url + "/wp-json/wp/v2/posts",
                               json.dumps({"title": "Remote-only post", "status": "publish", "content": content}).encode(),
                               dict(self.s.auth(), **{"Content-Type": "application/json"}))
        assert status == 201, (status, body[:300])
        self.post = json.loads(body)["link"]
        # --dry-run asks the service and lists the files, and removes nothing.
        out = self.remove_local("--dry-run")
        self.s.removal(False)
        assert all(self.exists(f) for f in files), "--dry-run removed files"
        assert not any(self.is_remote(att_id, f) for f in files), "--dry-run recorded files remote-only"
        assert all(os.path.basename(f) in out for f in files), f"--dry-run does not list every file: {out[-600:]}"
        self.cron_removal()
        self.s.removal(False)
        self.assert_remote_only(att_id, files)
        marker = self.assert_marker()
        # Counted from what was on disk, not from the plugin's own rows.
        assert marker["files"] == len(files) + len(self.files_b), f"marker {marker}"
        assert marker["bytes"] == sum(self.sizes[f] for f in files + self.files_b), f"marker {marker} vs {sum(self.sizes[f] for f in files + self.files_b)} bytes on disk before"
        status_out = self.s.cli("status")
        lines = [line for line in status_out.splitlines() if "remote" in line.lower()]
        assert any(str(marker["files"]) in line for line in lines), f"the status does not count {marker['files']} remote-only files: {lines}"
        log(f"     {len(files)} files removed by WP-Cron; marker {marker}; status {lines}")
        self.render_from_cdn(att_id, files)

    def render_from_cdn(self, att_id, files):
        """The post in Chromium: the image's src and srcset on the CDN, each loaded (naturalWidth > 0) through the
        edge stand-in from the bucket, whose objects are the removed files' bytes."""
        status, page, _ = http("GET", self.post)
        assert status == 200, status
        parser = ImgParser()
        parser.feed(page.decode("utf-8"))
        img = next((i for i in parser.imgs if f"wp-image-{att_id}" in i.get("class", "")), None)
        assert img, "the image is not in the page"
        cdn = f"https://{CDN}/{PREFIX}"
        urls = [img["src"]] + [c.strip().split(" ")[0] for c in img.get("srcset", "").split(",") if c.strip()]
        assert len(urls) >= 4 and all(u.startswith(cdn) for u in urls), urls
        for u in urls:
            rel = urllib.parse.unquote(u[len(cdn):])
            assert rel in files, f"{u} is no file of the attachment"
            assert self.object_md5(rel) == self.before[rel], f"{u}: the bucket's object is not the removed file"
        self.edge = self.edge or EdgeServer(self.s)
        env = dict(os.environ, POST_URL=self.post, CDN_HOST=CDN, EDGE_URL=self.edge.url, ARTIFACTS=ARTIFACTS,
                   SCREENSHOT="remote-only-post.png", NODE_PATH=os.path.join(TESTS, "node_modules"))
        p = subprocess.run(["node", os.path.join(HERE, "remote-post.mjs")], env=env, capture_output=True, text=True,
                           timeout=180, cwd=TESTS)
        with open(os.path.join(ARTIFACTS, "remote-post.log"), "a") as f:
            f.write(p.stdout + p.stderr)
        assert p.returncode == 0, (p.stdout + p.stderr)[-800:]
        out = json.loads(p.stdout.strip().splitlines()[-1])
        shown = next((i for i in out["imgs"] if f"wp-image-{att_id}" in (i["cls"] or "")), None)
        assert shown, out["imgs"]
        assert shown["currentSrc"].startswith(cdn), shown["currentSrc"]
        assert shown["complete"] and shown["naturalWidth"] > 0, f"the image did not load: {shown}"
        from_s3 = [s for s in self.edge.served if s["origin"] == "s3"]
        assert from_s3 and not [s for s in self.edge.served if s["origin"] == "wordpress"], self.edge.served
        log(f"     Chromium: {shown['currentSrc'][len(cdn):]} naturalWidth {shown['naturalWidth']}, served {from_s3[-1]['served']}")

    @check("wp media regenerate on a remote-only attachment: the original is fetched back, sizes made again and offloaded")
    def regenerate(self):
        att_id, files = self.att["a"], self.files_a
        meta = self.wp_json("meta", str(att_id), "_wp_attachment_metadata")
        original = os.path.join(os.path.dirname(meta["file"]), meta["original_image"])
        assert not self.exists(original)
        p = self.s.wp("regenerate", str(att_id), check=False)
        assert p.returncode == 0 and "Success: Regenerated thumbnails" in p.stdout, (p.returncode, p.stdout[-300:], p.stderr[-600:])
        assert self.exists(original), "the original was not fetched back"
        assert md5_of(self.local(original)) == self.before[original] == self.object_md5(original), "the restored original differs"
        assert not self.parts(self.s.uploads), self.parts(self.s.uploads)
        after = self.wp_files(att_id)
        new_meta = self.wp_json("meta", str(att_id), "_wp_attachment_metadata")
        sizes = [os.path.join(os.path.dirname(meta["file"]), s["file"]) for s in new_meta["sizes"].values()]
        assert len(sizes) >= 5 and all(self.exists(f) for f in sizes + [new_meta["file"]]), \
            [f for f in sizes + [new_meta["file"]] if not self.exists(f)]
        fresh = {f: md5_of(self.local(f)) for f in after if self.exists(f)}
        self.base.expect_offloaded(sorted(fresh), timeout=WAIT * 2)
        for f, m in fresh.items():
            self.before[f] = m
        self.files_a = after
        log(f"     {len(sizes)} sizes regenerated from {original}; {len(fresh)} local files offloaded")

    @check("Crop a remote-only image: the edited file is fetched back (MD5 of the object), new sizes made and offloaded, old sizes stay remote-only")
    def crop(self):
        att_id = self.att["a"]
        self.base.wait_state(att_id, "offloaded")
        self.remove_local()
        self.s.removal(False)
        files = self.wp_files(att_id)
        self.assert_remote_only(att_id, files)
        attached = self.wp_json("meta", str(att_id), "_wp_attached_file")
        out = json.loads(self.s.wp("crop", str(att_id), "40", "30", "420", "180").strip().splitlines()[-1])
        new_rel = out["file"]
        assert re.search(r"-e\d{13}", new_rel), f"no new file after the crop: {new_rel} ({out})"
        assert self.exists(attached) and md5_of(self.local(attached)) == self.before[attached] == self.object_md5(attached), \
            "the edited file was not fetched back byte-identical"
        assert not self.parts(self.s.uploads), self.parts(self.s.uploads)
        after = self.wp_files(att_id)
        new = [f for f in after if re.search(r"-e\d{13}", f)]
        assert len(new) >= 3 and all(self.exists(f) for f in new), new
        for f in new:
            self.before[f] = md5_of(self.local(f))
        self.base.expect_offloaded(new, timeout=WAIT * 2)
        # The old sizes are kept as backups and stay remote-only (WordPress leaves them; nothing needed them).
        old_sizes = [f for f in files if f != attached and f in after and not self.exists(f)]
        assert old_sizes, "no old size left remote-only"
        record = self.record(att_id)
        assert all(record.get(f, {}).get("remote") for f in old_sizes), [f for f in old_sizes if not record.get(f, {}).get("remote")]
        self.files_a = after
        log(f"     {attached} fetched back; {len(new)} new files offloaded; {len(old_sizes)} old files still remote-only")

    @check("restore-local --all: refused while removal is on; then every file back, MD5 as before removal and as the bucket's object")
    def restore_all(self):
        self.base.wait_state(self.att["a"], "offloaded")
        self.remove_local()
        everything = {name: self.wp_files(att_id) for name, att_id in self.att.items()}
        for name, att_id in self.att.items():
            self.assert_remote_only(att_id, [f for f in everything[name] if f in self.before])
        p = self.s.cli("restore-local", "--all", check=False)
        assert p.returncode != 0, f"restore-local --all ran with removal on: {p.stdout[-300:]}"
        assert all(not self.exists(f) for files in everything.values() for f in files), "files restored while refused"
        self.s.removal(False)
        out = self.s.cli("restore-local", "--all")
        for name, att_id in self.att.items():
            for f in everything[name]:
                assert self.exists(f), f"{f} not restored"
                got = md5_of(self.local(f))
                assert got == self.before[f] == self.object_md5(f), f"{f}: {got} / before {self.before[f]} / bucket {self.object_md5(f)}"
                assert not self.is_remote(att_id, f), f"{f} still recorded remote-only"
        assert not self.remote_rows(), f"index rows still remote_only: {sorted(self.remote_rows())}"
        assert self.marker() is None, f"the marker is left: {self.marker()}"
        assert not self.parts(self.s.uploads), self.parts(self.s.uploads)
        log(f"     {sum(len(v) for v in everything.values())} files restored: {out.strip().splitlines()[-1][:100] if out.strip() else ''}")
        self.restored = everything

    @check("After restore-local --all, the removal run sends the attachment again for the files no job names, and then every restored file is removable")
    def removable_again(self):
        def listed():
            out = self.remove_local("--dry-run")
            self.s.removal(False)
            return {line.split(" ")[2] for line in out.splitlines() if line.startswith("would remove ")}

        restored = [f for files in self.restored.values() for f in files]
        unproven = sorted(f for f in restored if f not in listed())
        # The crop's job left out the files that were remote-only then, so no job names them now.
        assert unproven, "every restored file was a candidate at once; the check would prove nothing"
        # One WP-Cron removal run: it removes what jobs prove, and sends the attachment again for the rest.
        self.cron_removal()
        self.s.removal(False)
        asked = self.wp_json("meta", str(self.att["a"]), "_media_offload_proof_requested")
        assert asked, "the removal run did not send the attachment again for proof"

        def proven():
            now = listed()
            return not [f for f in unproven if self.exists(f) and f not in now]

        wait_for(proven, "every restored file to be a candidate", timeout=WAIT * 2, interval=2, tick=self.s.traffic)
        log(f"     {len(unproven)} files no job named were proven by the attachment's next job")

    @check("SIGKILL of php -S inside media_offload_removing_local (2nd file): nothing lost; the next run completes")
    def kill_removal(self):
        self.clear_sleep()
        self.s.wp("set-option", "e2e_sleep_removing", "2")
        self.s.removal(True)
        self.wp_json("cron-due", REMOVE_HOOK)
        t = threading.Thread(target=lambda: self.s.traffic(), daemon=True)
        t.start()
        try:
            sleeping = self.sleeping()
            assert sleeping["exists"], f"the file was gone before its unlink: {sleeping}"
            rel = sleeping["relative"]
            # Recorded first, then deleted: at this point the file is present and recorded remote-only.
            assert self.exists(rel) and self.is_remote(int(sleeping["attachment"]), rel), (rel, self.record(int(sleeping["attachment"])).get(rel))
            self.s.kill_wordpress()
        finally:
            self.clear_sleep()
            if "wordpress" not in self.s.procs:
                self.s.start_wordpress()
        t.join(timeout=10)
        log(f"     killed before unlinking {rel}: {self.states()}")
        assert self.exists(rel), f"{rel} was unlinked after the kill"
        self.invariant("after the kill")
        self.assert_marker_consistent()
        # The next run, from the CLI. As the contract says, a file still recorded remote-only is found on disk by the
        # next description, which clears the record, and the run after it checks it again.
        out = self.remove_local()
        log(f"     next run: {out.strip().splitlines()[-1][:100]}; {self.states()}")
        if self.exists(rel):
            self.s.wp("touch-meta", str(sleeping["attachment"]))
            log(f"     after a description: {self.states()}")
            # Whatever the description queued is sent and its job read first (WP-Cron), as on a live site.
            self.base.quiet_outbox()
            self.base.wait_state(int(sleeping["attachment"]), "offloaded")
            out = self.remove_local()
            log(f"     run after it: {out.strip().splitlines()[-1][:100]}; {self.states()}")
        self.s.removal(False)
        self.invariant("after the second run")
        for name, att_id in self.att.items():
            self.assert_remote_only(att_id, [f for f in self.wp_files(att_id) if f in self.before])
        self.assert_marker()
        log("     the next runs completed")

    def states(self):
        """Counts of the files of every attachment by (on disk, recorded remote-only), for the log."""
        counts = {}
        for att_id in self.att.values():
            record = self.record(att_id)
            for f in self.wp_files(att_id):
                state = ("local" if self.exists(f) else "absent") + ("+recorded" if (record.get(f) or {}).get("remote") else "")
                counts[state] = counts.get(state, 0) + 1
        return counts

    def assert_marker_consistent(self):
        marker, remote = self.marker(), self.remote_rows()
        # Written before the first unlink of a batch; its count may lag a killed batch, never be missing.
        assert marker is not None or not remote, f"{len(remote)} remote-only rows and no marker"

    @check("SIGKILL of php -S inside media_offload_restoring_local (2nd file): no partial file at the target; the next restore puts every file back")
    def kill_restore(self):
        att_id = self.att["b"]
        files = [f for f in self.wp_files(att_id) if f in self.before]
        self.clear_sleep()
        self.s.wp("set-option", "e2e_sleep_restoring", "2")
        status_box = {}

        def request():
            try:
                status_box["status"] = http("POST", f"{self.s.wp_url}/wp-json/e2e/v1/restore/{att_id}", b"", self.s.auth(), timeout=150)[0]
            except Exception as e:  # noqa: BLE001 - the kill cuts it off
                status_box["error"] = repr(e)
        t = threading.Thread(target=request, daemon=True)
        t.start()
        try:
            sleeping = self.sleeping()
            rel, part = sleeping["relative"], sleeping["part"]
            assert sleeping["exists"] and os.path.basename(part).startswith(os.path.basename(rel) + PART), sleeping
            assert os.path.dirname(os.path.realpath(part)) == os.path.dirname(os.path.realpath(self.local(rel))), "the part file is not beside its target"
            assert not self.exists(rel), f"{rel} is at its target before its check"
            self.s.kill_wordpress()
        finally:
            self.clear_sleep()
            if "wordpress" not in self.s.procs:
                self.s.start_wordpress()
        t.join(timeout=10)
        assert not self.exists(rel), f"{rel} appeared after the kill"
        leftovers = self.parts(self.s.uploads)
        self.invariant("after the killed restore")
        # A reader never sees the part file as the attachment's file: it is no file WordPress names.
        assert not any(os.path.basename(p) in {os.path.basename(f) for f in self.wp_files(att_id)} for p in leftovers)
        out = self.s.cli("restore-local", str(att_id))
        for f in files:
            assert self.exists(f) and md5_of(self.local(f)) == self.before[f], f"{f} not restored byte-identical"
            assert not self.is_remote(att_id, f), f
        left = self.parts(self.s.uploads)
        log(f"     killed with {os.path.basename(part)} on disk; part files after the kill: {len(leftovers)}, after the next restore: {len(left)} {[os.path.basename(x) for x in left]}")
        # The killed attempt's part file cannot be deleted by the process that made it; the next restore of that file
        # deletes it before its own download (Remote_Restore::download), so nothing is left.
        assert not left, f"part files left after the next restore: {left}"

    @check("Restore download altered or truncated: no file at the target, no part file left, WordPress's usual error")
    def bad_download(self):
        att_id = self.att["b"]
        files = [f for f in self.wp_files(att_id) if f in self.before]
        known_parts = set(self.parts(self.s.uploads))
        self.remove_local()
        self.s.removal(False)
        self.assert_remote_only(att_id, files)
        # The original image: what `wp media regenerate` needs (wp_get_original_image_path).
        meta = self.wp_json("meta", str(att_id), "_wp_attachment_metadata")
        target = os.path.join(os.path.dirname(meta["file"]), meta["original_image"])
        # 1. The bucket's object replaced by other bytes of the same size: the service's MD5 is not the recorded one.
        same_size = bytes(b ^ 0x55 for b in self.s.s3.get_object(Bucket=MEDIA_BUCKET, Key=PREFIX + target)["Body"].read())
        self.s.s3.put_object(Bucket=MEDIA_BUCKET, Key=PREFIX + target, Body=same_size, ContentType="image/jpeg")
        try:
            out = self.wp_json("attached-file", str(att_id))
            assert not out["originalExists"] and not self.exists(target), f"an altered object was restored: {out}"
            assert set(self.parts(self.s.uploads)) == known_parts, "a part file was left"
            p = self.s.wp("regenerate", str(att_id), check=False)
            assert p.returncode != 0 and "Can't find" in p.stderr and not self.exists(target), (p.returncode, p.stdout[-300:], p.stderr[-300:])
            assert self.is_remote(att_id, target), "the remote-only record was cleared"
            log(f"     altered object: {p.stderr.strip()[:100]!r}")
        finally:
            self.previous_version(target)
        # 2 and 3. The download itself truncated (Content-Length larger than the body), then altered in transit.
        bad = BadDownload()
        bad.body = self.s.s3.get_object(Bucket=MEDIA_BUCKET, Key=PREFIX + target)["Body"].read()
        assert md5_bytes(bad.body) == self.before[target]
        try:
            self.s.wp("set-option", "e2e_download_via", json.dumps(bad.url))
            for mode in ("truncated", "altered"):
                bad.mode = mode
                hits = bad.hits
                out = self.wp_json("attached-file", str(att_id))
                assert bad.hits > hits, f"{mode}: the restore did not download through the test server"
                assert not out["originalExists"] and not self.exists(target), f"{mode}: restored anyway: {out}"
                assert set(self.parts(self.s.uploads)) == known_parts, f"{mode}: part file left: {self.parts(self.s.uploads)}"
                p = self.s.wp("regenerate", str(att_id), check=False)
                assert p.returncode != 0 and "Can't find" in p.stderr, (mode, p.returncode, p.stderr[-300:])
                assert not self.exists(target)
                assert self.is_remote(att_id, target), f"{mode}: the remote-only record was cleared"
        finally:
            self.s.wp("set-option", "e2e_download_via", '""')
            bad.close()
        out = self.wp_json("attached-file", str(att_id))
        assert out["originalExists"] and md5_of(self.local(target)) == self.before[target], out
        assert set(self.parts(self.s.uploads)) == known_parts, self.parts(self.s.uploads)
        log(f"     truncated and altered downloads refused; {target} restored once the download is right")

    @check("Delete a remote-only attachment: its objects and .avif/.webp variants leave the bucket; no file, row or record is left")
    def delete_remote(self):
        att_id = self.att["a"]
        self.remove_local()
        self.s.removal(False)
        # The block editor asks for each image with context=edit; that answer only reports sizes.
        mark = len(self.s.http_log())
        status, body, _ = http("GET", f"{self.s.wp_url}/wp-json/wp/v2/media/{att_id}?context=edit", headers=self.s.auth())
        assert status == 200, (status, body[:200])
        self.edit_restores = [json.loads(r["body"]).get("paths") for r in self.s.http_log()[mark:] if "/v1/restores" in r["url"]]
        if self.edit_restores:
            self.remove_local()  # remote-only again, so the delete below starts from remote-only files
            self.s.removal(False)
        files = [f for f in self.wp_files(att_id) if f in self.before]
        self.assert_remote_only(att_id, files)
        keys = {PREFIX + f for f in files}
        keys |= {k + s for k in keys for s in (".avif", ".webp")}
        present = keys & set(self.s.keys())
        assert {PREFIX + f for f in files} <= present, sorted({PREFIX + f for f in files} - present)
        restores_before = len(self.s.http_log())
        status, body, _ = http("DELETE", f"{self.s.wp_url}/wp-json/wp/v2/media/{att_id}?force=true", headers=self.s.auth())
        assert status == 200, (status, body[:300])
        wait_for(lambda: not (keys & set(self.s.keys())), "the objects and variants to be deleted", tick=self.s.traffic, timeout=WAIT * 2)
        assert not any(self.exists(f) for f in files), "a file is on disk after the delete"
        assert not self.rows(att_id)
        del self.att["a"]
        self.assert_marker()
        self.delete_restores = [json.loads(r["body"]).get("paths") for r in self.s.http_log()[restores_before:] if "/v1/restores" in r["url"]]
        log(f"     {len(present)} objects and variants deleted")

    @check("REST GET ?context=edit of a remote-only image (the block editor's request) fetches nothing back")
    def edit_context_fetches_nothing(self):
        assert self.edit_restores == [], f"GET ?context=edit asked the service for restore links: {self.edit_restores}"

    @check("Delete a remote-only attachment fetches nothing back (wp_delete_attachment, and the REST answer's missing_image_sizes)")
    def delete_fetches_nothing(self):
        assert self.delete_restores == [], f"the REST delete asked the service for restore links: {self.delete_restores}"

    @check("Restore target escaping uploads (.., absolute, symlinked folder): nothing written outside uploads, no restore asked for, an error")
    def hostile_paths(self):
        att_id = self.att["b"]
        outside = os.path.join(self.s.tmp, "outside")
        os.makedirs(outside)
        attached = self.wp_json("meta", str(att_id), "_wp_attached_file")
        folder = os.path.dirname(attached)
        data = self.s.s3.get_object(Bucket=MEDIA_BUCKET, Key=PREFIX + attached)["Body"].read()
        entry = {"size": len(data), "mtime": int(time.time()), "md5": md5_bytes(data), "remote": True, "removed": int(time.time())}
        os.symlink(outside, os.path.join(self.s.uploads, folder, "e2e-link"))
        # The symlinked folder's key holds the right bytes, so only the plugin's own check can stop the write.
        self.s.s3.put_object(Bucket=MEDIA_BUCKET, Key=f"{PREFIX}{folder}/e2e-link/evil.jpg", Body=data, ContentType="image/jpeg")
        targets = {
            "../../../e2e-evil.php": os.path.normpath(os.path.join(self.s.uploads, "../../../e2e-evil.php")),
            os.path.join(outside, "abs-evil.jpg"): os.path.join(outside, "abs-evil.jpg"),
            f"{folder}/e2e-link/evil.jpg": os.path.join(outside, "evil.jpg"),
        }
        original_meta = self.wp_json("meta", str(att_id), "_wp_attachment_metadata")
        original_record = self.record(att_id)
        log_before = len(self.s.http_log())
        try:
            for hostile, target in targets.items():
                record = dict(self.record(att_id))
                record[hostile] = entry
                self.s.wp("set-meta", str(att_id), "_media_offload_files", json.dumps(record))
                self.s.wp("set-meta", str(att_id), "_wp_attached_file", json.dumps(hostile))
                out = self.wp_json("attached-file", str(att_id))
                p = self.s.cli("restore-local", str(att_id), check=False)
                assert not os.path.exists(target), f"{hostile}: {target} was written"
                assert not self.parts(outside) and not self.parts(os.path.dirname(target)), f"{hostile}: part files outside"
                said = p.stdout + p.stderr
                assert "outside" in said.lower() or "refus" in said.lower(), f"{hostile}: no clear error: {said[-400:]}"
                log(f"     {hostile}: refused ({said.strip().splitlines()[-1][:110] if said.strip() else ''}); {out}")
            # A size whose file name climbs out of the folder.
            meta = json.loads(json.dumps(original_meta))
            meta["sizes"]["e2e-evil"] = {"file": "../../../../e2e-size-evil.php", "width": 1, "height": 1, "mime-type": "image/jpeg"}
            record = dict(original_record)
            record[f"{folder}/../../../../e2e-size-evil.php"] = entry
            self.s.wp("set-meta", str(att_id), "_wp_attached_file", json.dumps(attached))
            self.s.wp("set-meta", str(att_id), "_wp_attachment_metadata", json.dumps(meta))
            self.s.wp("set-meta", str(att_id), "_media_offload_files", json.dumps(record))
            self.s.cli("restore-local", str(att_id), check=False)
            size_target = os.path.normpath(os.path.join(self.s.uploads, folder, "../../../../e2e-size-evil.php"))
            assert not os.path.exists(size_target), f"{size_target} was written"
            asked = [r for r in self.s.http_log()[log_before:] if "/v1/restores" in r["url"] and r.get("body")
                     and ("e2e-evil" in r["body"] or "abs-evil" in r["body"] or "e2e-size-evil" in r["body"])]
            assert not asked, f"the service was asked to restore a hostile path: {asked}"
            linked = [r for r in self.s.http_log()[log_before:] if "/v1/restores" in r["url"] and "e2e-link" in (r.get("body") or "")]
            log(f"     the symlinked folder's path was {'asked for, then refused' if linked else 'refused before asking'}")
        finally:
            self.s.wp("set-meta", str(att_id), "_wp_attached_file", json.dumps(attached))
            self.s.wp("set-meta", str(att_id), "_wp_attachment_metadata", json.dumps(original_meta))
            self.s.wp("set-meta", str(att_id), "_media_offload_files", json.dumps(original_record))
        assert not os.listdir(outside), os.listdir(outside)

    def run(self):
        self.setup_b()
        if "b" in self.att:
            self.unversioned()
            self.service_down()
            self.object_tampered()
        self.removal_cron()
        if "a" in self.att:
            self.regenerate()
            self.crop()
        self.restore_all()
        if hasattr(self, "restored"):
            self.removable_again()
        self.kill_removal()
        self.kill_restore()
        if "b" in self.att:
            self.bad_download()
        if "a" in self.att:
            self.delete_remote()
            if hasattr(self, "edit_restores"):
                self.edit_context_fetches_nothing()
            if hasattr(self, "delete_restores"):
                self.delete_fetches_nothing()
        if "b" in self.att:
            self.hostile_paths()


def main():
    os.makedirs(ARTIFACTS, exist_ok=True)
    stack = RemoteStack()

    def start(started):
        log("E2E remote-only: starting MariaDB, WordPress, moto_server and the service on 127.0.0.1")
        stack.start_stack()
        log(f"E2E remote-only: stack up in {time.time() - started:.0f}s (WordPress {stack.wp_version} {stack.wp_url}, service {stack.api_url})")

    def run():
        suite = Suite(stack)
        try:
            suite.run()
        finally:
            if suite.edge:
                suite.edge.close()

    return e2e.run_script("E2E remote-only", stack, start, run, ARTIFACTS)


if __name__ == "__main__":
    sys.exit(main())
