#!/usr/bin/env python3
"""End-to-end tests of the WordPress plugin against a real WordPress, MariaDB, moto_server and the service.

Everything binds to 127.0.0.1 on free ports and is torn down at the end, whatever happens. Prints one line per
check and a final "E2E: N passed, N failed". Logs and screenshots go to tests/wordpress/artifacts/.
"""
import base64
import hashlib
import hmac
import html.parser
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import unicodedata
import urllib.error
import urllib.parse
import urllib.request

import boto3
from botocore.config import Config
from http.cookiejar import CookieJar  # the module's http() below shadows the http package

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(TESTS))
# Run once per WordPress version (run.sh): its artifacts folder, the tree to copy and the version it must hold.
ARTIFACTS = os.environ.get("MO_E2E_ARTIFACTS") or os.path.join(TESTS, "artifacts")
WP_TREE = os.environ.get("MO_WP_TREE") or "/usr/share/wordpress"
WP_EXPECTED = os.environ.get("MO_WP_VERSION", "")
PLUGIN = os.path.join(REPO, "wordpress", "media-offload")
API_DLL = os.path.join(REPO, "functions/MediaOffload.Api/bin/Release/net10.0/MediaOffload.Api.dll")
SECRET = "e2e-signing-secret-" + "0123456789abcdef" * 2
CDN = "cdn.e2e.test"
MEDIA_BUCKET, CONTROL_BUCKET = "media-e2e", "control-e2e"
CACHE_CONTROL = "public, max-age=31536000, immutable"
WAIT = float(os.environ.get("E2E_WAIT", "60"))

results = []


def log(msg):
    print(msg, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, what, timeout=WAIT, interval=0.5, tick=None):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as e:  # noqa: BLE001 - keep polling
            last = e
        if tick:
            tick()
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


def check(name):
    def wrap(fn):
        def run(*a, **kw):
            started = time.time()
            try:
                fn(*a, **kw)
                results.append((name, True))
                log(f"PASS {name} ({time.time() - started:.1f}s)")
            except Exception as e:  # noqa: BLE001
                results.append((name, False))
                log(f"FAIL {name}: {e}")
                with open(os.path.join(ARTIFACTS, "e2e-failures.log"), "a") as f:
                    f.write(f"== {name}\n{traceback.format_exc()}\n")
        return run
    return wrap


class Stack:
    """MariaDB, WordPress on php -S, moto_server and the service, each on its own loopback port."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="mo-wp-e2e-")
        self.procs = {}
        self.db_port, self.wp_port, self.s3_port, self.api_port = free_port(), free_port(), free_port(), free_port()
        self.wp_url = f"http://127.0.0.1:{self.wp_port}"
        self.s3_url = f"http://127.0.0.1:{self.s3_port}"
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        self.wp_dir = os.path.join(self.tmp, "wordpress")
        self.env = dict(os.environ, WP_DIR=self.wp_dir, WP_URL=self.wp_url)

    # -- processes -------------------------------------------------------------------------------------------
    def start(self, name, args, env=None, cwd=None):
        out = open(os.path.join(ARTIFACTS, f"{name}.log"), "ab")
        self.procs[name] = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                            start_new_session=True)
        return self.procs[name]

    def stop(self, name):
        p = self.procs.pop(name, None)
        if p is None:
            return
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=5)

    def teardown(self):
        for name in ["service", "wordpress-nointl", "wordpress", "moto", "mariadb"]:
            try:
                self.stop(name)
            except Exception as e:  # noqa: BLE001
                log(f"teardown: {name}: {e}")
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- parts -----------------------------------------------------------------------------------------------
    def start_stack(self):
        """MariaDB, moto_server, WordPress with the plugin, then the service: each needs the one before."""
        self.start_mariadb()
        self.start_moto()
        self.install_wordpress()
        self.start_service()

    def start_mariadb(self):
        datadir = os.path.join(self.tmp, "db")
        self.db_socket = os.path.join(self.tmp, "mysqld.sock")
        subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={datadir}", "--user=root",
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       check=True, stdout=subprocess.DEVNULL, stderr=open(os.path.join(ARTIFACTS, "mariadb-install.log"), "w"))
        self.start("mariadb", ["mariadbd", "--no-defaults", f"--datadir={datadir}", f"--socket={self.db_socket}",
                               f"--port={self.db_port}", "--bind-address=127.0.0.1", "--user=root",
                               f"--pid-file={os.path.join(self.tmp, 'mysqld.pid')}", "--skip-log-bin",
                               "--innodb-buffer-pool-size=64M", "--performance-schema=OFF"])
        wait_for(lambda: subprocess.run(["mariadb-admin", f"--socket={self.db_socket}", "-uroot", "ping"],
                                        capture_output=True).returncode == 0, "MariaDB", timeout=60)
        sql = ("CREATE DATABASE wp CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
               "CREATE USER 'wp'@'127.0.0.1' IDENTIFIED BY 'wp-password';"
               "GRANT ALL ON wp.* TO 'wp'@'127.0.0.1';")
        subprocess.run(["mariadb", f"--socket={self.db_socket}", "-uroot", "-e", sql], check=True)

    def install_wordpress(self):
        shutil.copytree(WP_TREE, self.wp_dir, symlinks=False, ignore=shutil.ignore_patterns(".htaccess"))
        with open(os.path.join(self.wp_dir, "wp-includes/version.php")) as f:
            found = re.search(r"^\$wp_version = '([^']+)';", f.read(), re.M)
        self.wp_version = found.group(1) if found else "unknown"
        log(f"E2E: WordPress {self.wp_version} from {WP_TREE}")
        assert not WP_EXPECTED or self.wp_version == WP_EXPECTED, f"{WP_TREE} holds WordPress {self.wp_version}, not {WP_EXPECTED}"
        os.symlink(PLUGIN, os.path.join(self.wp_dir, "wp-content/plugins/media-offload"))
        os.makedirs(os.path.join(self.wp_dir, "wp-content/mu-plugins"))
        with open(os.path.join(self.wp_dir, "wp-content/mu-plugins/e2e.php"), "w") as f:
            # Seconds instead of minutes between retries, so the outage test stays short.
            f.write("<?php\nadd_filter( 'media_offload_retry_delay', function () { return 2; } );\n"
                    # Sites that keep upload names as given (older WordPress, imports, plugins) have spaces, '+',
                    # '&', parentheses and accents in their paths. This header keeps a REST upload's name raw.
                    "add_filter( 'sanitize_file_name', function ( $name, $raw ) {\n"
                    "  return empty( $_SERVER['HTTP_X_E2E_RAW_NAME'] ) ? $name : $raw;\n"
                    "}, 10, 2 );\n")
        with open(os.path.join(self.wp_dir, "wp-config.php"), "w") as f:
            f.write(f"""<?php
define( 'DB_NAME', 'wp' );
define( 'DB_USER', 'wp' );
define( 'DB_PASSWORD', 'wp-password' );
define( 'DB_HOST', '127.0.0.1:{self.db_port}' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
define( 'WP_HOME', '{self.wp_url}' );
define( 'WP_SITEURL', '{self.wp_url}' );
// Local, unless a command is run with WP_ENVIRONMENT_TYPE set (the endpoint check runs one as production).
if ( ! getenv( 'WP_ENVIRONMENT_TYPE' ) ) {{ define( 'WP_ENVIRONMENT_TYPE', 'local' ); }}
define( 'WP_CONTENT_DIR', __DIR__ . '/wp-content' );
define( 'FS_METHOD', 'direct' );
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_DISPLAY', false );
define( 'WP_DEBUG_LOG', '{os.path.join(ARTIFACTS, 'wp-debug.log')}' );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
// Tests send traffic to loopback only: no update checks, no wordpress.org.
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'WP_AUTO_UPDATE_CORE', false );
if ( file_exists( __DIR__ . '/e2e-settings-unlocked' ) ) {{
	// The hostile key prefix check: the field is editable, by an admin without unfiltered_html, as on a subsite.
	define( 'DISALLOW_UNFILTERED_HTML', true );
}} else {{
	// A constant wins over the settings page: the browser test checks the field is locked.
	define( 'MEDIA_OFFLOAD_KEY_PREFIX', 'wp-content/uploads' );
}}
""")
            for i, name in enumerate(["AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT",
                                      "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT"]):
                f.write(f"define( '{name}', '{hashlib.sha256(f'{name}{i}{self.tmp}'.encode()).hexdigest()}' );\n")
            f.write("$table_prefix = 'wp_';\nif ( ! defined( 'ABSPATH' ) ) { define( 'ABSPATH', __DIR__ . '/' ); }\n"
                    "require_once ABSPATH . 'wp-settings.php';\n")
        settings = {"endpoint": self.api_url, "secret": SECRET, "cdn_domain": CDN, "key_prefix": "wp-content/uploads",
                    "rewrite_urls": True}
        out = self.wp("install", self.wp_url, json.dumps(settings))
        self.app = json.loads(out.strip().splitlines()[-1])
        self.uploads = os.path.join(self.wp_dir, "wp-content/uploads")
        self.start_wordpress()

    def start_wordpress(self, name="wordpress", port=None, env=None):
        """WordPress on php -S; another name, port and PHP environment serve the same site (the no-intl checks)."""
        port = port or self.wp_port
        env = dict(env or self.env, PHP_CLI_SERVER_WORKERS="4")
        self.start(name, ["php", "-d", "upload_max_filesize=64M", "-d", "post_max_size=64M", "-d", "memory_limit=512M",
                          "-S", f"127.0.0.1:{port}", "-t", self.wp_dir, os.path.join(HERE, "router.php")],
                   env=env, cwd=self.wp_dir)
        wait_for(lambda: http("GET", f"http://127.0.0.1:{port}/wp-login.php")[0] == 200, f"WordPress ({name})", timeout=30)
        return f"http://127.0.0.1:{port}"

    def nointl_env(self):
        """This environment with PHP_INI_SCAN_DIR at a copy of PHP's conf.d that leaves intl out."""
        if not hasattr(self, "_nointl"):
            scan = re.search(r"Scan for additional \.ini files in:\s*(\S+)", subprocess.run(["php", "--ini"], capture_output=True, text=True).stdout)
            assert scan and os.path.isdir(scan.group(1)), "php --ini names no conf.d"
            conf = os.path.join(self.tmp, "conf.d-nointl")
            os.makedirs(conf)
            for name in os.listdir(scan.group(1)):
                if "intl" not in name:
                    shutil.copy(os.path.join(scan.group(1), name), conf)
            self._nointl = dict(self.env, PHP_INI_SCAN_DIR=conf)
            probe = subprocess.run(["php", "-r", "echo class_exists('Normalizer') ? 'intl' : 'none';"], env=self._nointl,
                                   capture_output=True, text=True).stdout
            assert probe == "none", f"intl is still loaded without its .ini: {probe!r}"
        return self._nointl

    def add_user(self, login, role):
        """A user of that role with an application password; returns (id, auth headers)."""
        out = json.loads(self.wp("user", login, role).strip().splitlines()[-1])
        token = base64.b64encode(f"{out['user']}:{out['appPassword']}".encode()).decode()
        return out["id"], {"Authorization": "Basic " + token}

    def start_moto(self):
        self.start("moto", ["moto_server", "-H", "127.0.0.1", "-p", str(self.s3_port)])
        wait_for(lambda: http("GET", self.s3_url + "/moto-api/")[0] == 200, "moto_server", timeout=30)
        self.s3 = boto3.client("s3", endpoint_url=self.s3_url, region_name="us-east-1", aws_access_key_id="local",
                               aws_secret_access_key="local", config=Config(s3={"addressing_style": "path"}))
        for bucket in (MEDIA_BUCKET, CONTROL_BUCKET):
            self.s3.create_bucket(Bucket=bucket)
        # The template versions the media bucket, and the plugin removes a local copy only from a versioned one
        # (docs/remote-only.md, "When a local copy is removed").
        self.set_versioning("Enabled")

    def set_versioning(self, status):
        """The media bucket's versioning: "Enabled", or "Suspended" to see removal refused."""
        self.s3.put_bucket_versioning(Bucket=MEDIA_BUCKET, VersioningConfiguration={"Status": status})
        assert self.s3.get_bucket_versioning(Bucket=MEDIA_BUCKET).get("Status") == status

    def start_service(self, **settings):
        """The service; keyword arguments are extra environment settings (the pixel-bomb check lowers a limit)."""
        env = dict(os.environ, ASPNETCORE_URLS=self.api_url, AWS_EC2_METADATA_DISABLED="true",
                   AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_REGION="us-east-1",
                   Logging__LogLevel__Default="Information", Offload__Role="local",
                   Offload__MediaBucket=MEDIA_BUCKET, Offload__ControlBucket=CONTROL_BUCKET,
                   Offload__S3__ServiceUrl=self.s3_url, Offload__SigningSecrets__0=SECRET,
                   Offload__AllowedOrigins__0=self.wp_url, Offload__AllowHttp="true",
                   Offload__AllowPrivateNetworks="true", **settings)
        self.start("service", ["dotnet", API_DLL], env=env, cwd=os.path.dirname(API_DLL))
        wait_for(lambda: http("GET", self.api_url + "/healthz")[0] == 200, "the service", timeout=60)

    # -- helpers ---------------------------------------------------------------------------------------------
    def wp(self, *args, check=True, env=None):
        p = subprocess.run(["php", os.path.join(HERE, "wp.php"), *args], env=env or self.env, capture_output=True, text=True,
                           timeout=120)
        with open(os.path.join(ARTIFACTS, "wp-commands.log"), "a") as f:
            f.write(f"$ wp.php {' '.join(args)}\n{p.stdout}{p.stderr}(exit {p.returncode})\n")
        if check and p.returncode != 0:
            raise AssertionError(f"wp.php {args[0]} failed ({p.returncode}): {p.stderr.strip() or p.stdout.strip()}")
        return p.stdout if check else p

    def auth(self):
        token = base64.b64encode(f"{self.app['user']}:{self.app['appPassword']}".encode()).decode()
        return {"Authorization": "Basic " + token}

    def upload(self, local_file, filename, mime, raw_name=False, auth=None, base=None):
        with open(local_file, "rb") as f:
            data = f.read()
        disposition = f'attachment; filename="{filename}"'.encode("utf-8").decode("latin-1")
        headers = dict(auth or self.auth(), **{"Content-Type": mime, "Content-Disposition": disposition})
        if raw_name:
            headers["X-E2E-Raw-Name"] = "1"
        status, body, _ = http("POST", (base or self.wp_url) + "/wp-json/wp/v2/media", data, headers, timeout=120)
        if status != 201:
            raise AssertionError(f"upload of {filename} answered {status}: {body[:500]!r}")
        return json.loads(body)

    def keys(self):
        keys = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=MEDIA_BUCKET):
            for o in page.get("Contents", []):
                keys[o["Key"]] = o
        return keys

    def traffic(self):
        """A visitor: every page view lets WP-Cron spawn, as on a live site."""
        try:
            http("GET", self.wp_url + "/", timeout=10)
        except Exception:  # noqa: BLE001
            pass

    def attachment_files(self, relative_file):
        """Every file WordPress wrote for an upload, found on disk by its stem: the independent oracle."""
        folder = os.path.join(self.uploads, os.path.dirname(relative_file))
        stem = os.path.splitext(os.path.basename(relative_file))[0]
        stem = re.sub(r"-scaled$", "", stem)
        out = []
        for name in os.listdir(folder):
            if name == os.path.basename(relative_file) or name.startswith(stem + "-") or name.startswith(stem + "."):
                rel = os.path.relpath(os.path.join(folder, name), self.uploads)
                out.append(rel)
        return sorted(out)


def http(method, url, data=None, headers=None, timeout=30):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def signed_headers(url, secret=SECRET, timestamp=None):
    target = urllib.parse.urlsplit(url)
    path_and_query = target.path + ("?" + target.query if target.query else "")
    ts = str(int(time.time()) if timestamp is None else timestamp)
    canonical = "\n".join(["v2", "plugin", ts, "GET", path_and_query, hashlib.sha256(b"").hexdigest()])
    return ts, "v2=" + hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def signed_get(url, secret=SECRET, timestamp=None):
    ts, sig = signed_headers(url, secret, timestamp)
    return http("GET", url, headers={"X-MediaOffload-Timestamp": ts, "X-MediaOffload-Signature": sig})


def md5_of(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


class ImgParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.imgs.append(dict(attrs))


# ----------------------------------------------------------------------------------------------------------------
class Suite:
    def __init__(self, stack):
        self.s = stack
        self.media = {}

    def expect_offloaded(self, files, timeout=WAIT):
        """Every file and its .avif and .webp variants in the bucket, with the right headers and MD5."""
        # Keys are NFC (the service normalises); the file on disk keeps the bytes WordPress wrote, NFD included.
        on_disk = {"wp-content/uploads/" + unicodedata.normalize("NFC", p): p for p in files}
        expected = set(on_disk)
        variants = {k + suffix for k in expected if k.lower().endswith((".jpg", ".jpeg", ".png", ".gif")) for suffix in (".avif", ".webp")}
        want = expected | variants
        wait_for(lambda: want <= set(self.s.keys()), f"{len(want)} objects in the bucket ({sorted(want)[:3]}...)",
                 timeout=timeout, tick=self.s.traffic)
        for key in sorted(expected):
            head = self.s.s3.head_object(Bucket=MEDIA_BUCKET, Key=key)
            assert head.get("CacheControl") == CACHE_CONTROL, f"{key}: Cache-Control {head.get('CacheControl')!r}"
            local = os.path.join(self.s.uploads, on_disk[key])
            assert head["Metadata"].get("source-md5") == md5_of(local), f"{key}: MD5 differs from the local file"
            ext = key.rsplit(".", 1)[-1].lower()
            assert head["ContentType"] == {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}[ext], key
        for key in sorted(variants):
            head = self.s.s3.head_object(Bucket=MEDIA_BUCKET, Key=key)
            assert head.get("CacheControl") == CACHE_CONTROL, f"{key}: Cache-Control {head.get('CacheControl')!r}"
            # The AVIF key holds AVIF, or the WebP or the original when AVIF was not smaller (docs/keys.md, "Variants").
            allowed = {"image/avif", "image/webp"} if key.endswith(".avif") else {"image/webp"}
            assert head["ContentType"] in allowed | {"image/jpeg", "image/png", "image/gif"}, f"{key}: {head['ContentType']}"
            assert head["Metadata"].get("source-etag"), f"{key}: no source-etag"
        return want

    def snapshot(self, keys):
        """Bytes, ETag, Content-Type and metadata of each object: what "unchanged" is compared by."""
        out = {}
        for key in sorted(keys):
            o = self.s.s3.get_object(Bucket=MEDIA_BUCKET, Key=key)
            out[key] = (hashlib.sha256(o["Body"].read()).hexdigest(), o["ETag"], o.get("ContentType"), o.get("CacheControl"), o["Metadata"])
        return out

    def manifest(self):
        """Every manifest entry, page after page."""
        files, cursor = [], ""
        while True:
            url = f"{self.s.wp_url}/wp-json/media-offload/v1/manifest?cursor={urllib.parse.quote(cursor, safe='')}&limit=1000"
            status, body, _ = signed_get(url)
            assert status == 200, (status, body[:300])
            page = json.loads(body)
            files += page["files"]
            cursor = page["nextCursor"]
            if not cursor:
                return files

    def rest_media(self, att_id):
        status, body, _ = http("GET", f"{self.s.wp_url}/wp-json/wp/v2/media/{att_id}", headers=self.s.auth())
        assert status == 200, (status, body[:300])
        return json.loads(body)

    def events_for(self, att_id):
        """Outbox rows and sent-log entries of one attachment: where any event for it would show."""
        q = json.loads(self.s.wp("queue"))
        log_entries = json.loads(self.s.wp("option", "media_offload_log")) or []
        return [r for r in q["rows"] if int(r["attachment_id"]) == att_id] + [e for e in log_entries if e["attachmentId"] == att_id]

    def author(self):
        if "author" not in self.media:
            self.media["author"] = self.s.add_user("e2e-author", "author")
        return self.media["author"]

    @check("Endpoint: outside local/development, WordPress's safe HTTP rules refuse the loopback endpoint; nothing is called")
    def endpoint_environment(self):
        env = dict(self.s.env, WP_ENVIRONMENT_TYPE="production")
        p = self.s.wp("cli", "verify", check=False, env=env)
        assert p.returncode == 1 and "did not answer" in p.stderr, (p.returncode, p.stdout, p.stderr)
        assert "WordPress refuses to call this API endpoint" in p.stderr, p.stderr
        # WordPress's own refusal of an unsafe URL, before any connection is made.
        assert "A valid URL was not provided" in p.stderr, p.stderr
        out = self.s.wp("cli", "verify")
        assert "Success:" in out, out

    @check("CLI: verify reaches the service with a signed health request; status lists the settings")
    def cli(self):
        out = self.s.wp("cli", "verify")
        assert "Success:" in out, out
        out = self.s.wp("cli", "status")
        assert f"endpoint:     {self.s.api_url}" in out and "(set, " in out and "[wp-config]" in out, out

    @check("Upload JPEG via REST: original, -scaled, every size and every .avif and .webp in the bucket with Cache-Control")
    def upload_jpeg(self):
        src = os.path.join(self.s.tmp, "e2e-photo.jpg")
        subprocess.run(["php", os.path.join(HERE, "make-image.php"), src, "2800", "1900", "1"], check=True)
        started = time.time()
        att = self.s.upload(src, "e2e-photo.jpg", "image/jpeg")
        upload_seconds = time.time() - started
        rel = att["media_details"]["file"]
        files = self.s.attachment_files(rel)
        assert any(f.endswith("-scaled.jpg") for f in files), f"no -scaled file: {files}"
        assert "2" in "".join(files) and len(files) >= 6, f"too few sizes: {files}"
        self.expect_offloaded(files)
        self.media["jpeg"] = (att, files)
        avif = [f for f in files if self.s.s3.head_object(Bucket=MEDIA_BUCKET, Key=f"wp-content/uploads/{f}.avif")["ContentType"] == "image/avif"]
        assert any(f.endswith("-scaled.jpg") for f in avif), f"the -scaled photo's .avif holds no AVIF: {avif}"
        log(f"     upload answered in {upload_seconds:.1f}s; {len(files)} files offloaded, {len(avif)} .avif keys hold AVIF")

    @check("Upload PNG via REST: every size, .avif and .webp in the bucket")
    def upload_png(self):
        src = os.path.join(self.s.tmp, "e2e-graphic.png")
        subprocess.run(["php", os.path.join(HERE, "make-image.php"), src, "1400", "1000", "2"], check=True)
        att = self.s.upload(src, "e2e-graphic.png", "image/png")
        files = self.s.attachment_files(att["media_details"]["file"])
        assert len(files) >= 4, files
        self.expect_offloaded(files)
        self.media["png"] = (att, files)

    @check("URLs: a post embedding the image renders src and srcset on the CDN domain")
    def urls(self):
        att, files = self.media["jpeg"]
        local_large = f"{self.s.wp_url}/wp-content/uploads/" + next(f for f in files if "-1024x" in f)
        content = (f'<!-- wp:image {{"id":{att["id"]},"sizeSlug":"large"}} --><figure class="wp-block-image size-large">'
                   f'<img src="{local_large}" alt="" class="wp-image-{att["id"]}"/></figure><!-- /wp:image -->')
        status, body, _ = http("POST", self.s.wp_url + "/wp-json/wp/v2/posts",
                               json.dumps({"title": "CDN post", "status": "publish", "content": content}).encode(),
                               dict(self.s.auth(), **{"Content-Type": "application/json"}))
        assert status == 201, (status, body[:300])
        post = json.loads(body)
        self.media["post"] = post["link"]
        status, page, _ = http("GET", post["link"])
        assert status == 200, status
        with open(os.path.join(ARTIFACTS, "post.html"), "wb") as f:
            f.write(page)
        parser = ImgParser()
        parser.feed(page.decode("utf-8"))
        img = next((i for i in parser.imgs if f"wp-image-{att['id']}" in i.get("class", "")), None)
        assert img, "the image is not in the page"
        cdn = f"https://{CDN}/wp-content/uploads/"
        assert img["src"].startswith(cdn), img["src"]
        srcset = [c.strip().split(" ")[0] for c in img.get("srcset", "").split(",") if c.strip()]
        assert len(srcset) >= 3, f"srcset too short: {img.get('srcset')}"
        assert all(u.startswith(cdn) for u in srcset), srcset
        assert f"{self.s.wp_url}/wp-content/uploads/" not in img.get("src", "") + img.get("srcset", "")
        # The REST API's attachment URL goes through wp_get_attachment_url as well.
        status, body, _ = http("GET", f"{self.s.wp_url}/wp-json/wp/v2/media/{att['id']}")
        assert json.loads(body)["source_url"].startswith(cdn)

    def variant_fallback(self, suffix):
        """A variant URL (<file>.jpg + suffix) that reaches WordPress gets the original image, not a 404, and only
        for a file an attachment owns."""
        att, files = self.media["jpeg"]
        rel = next(f for f in files if "-300x" in f)
        with open(os.path.join(self.s.uploads, rel), "rb") as f:
            original = f.read()
        status, body, headers = http("GET", f"{self.s.wp_url}/wp-content/uploads/{rel}{suffix}")
        assert status == 200, status
        assert headers.get("Content-Type", "").startswith("image/jpeg"), headers.get("Content-Type")
        assert headers.get("X-Media-Offload") == suffix[1:].lower() + "-fallback-original", headers.get("X-Media-Offload")
        # Short-lived at the edge and in browsers, so the real variant takes over once it exists.
        assert headers.get("Cache-Control") == "public, max-age=300", headers.get("Cache-Control")
        assert body == original, "body is not the original"
        status, _, headers = http("GET", f"{self.s.wp_url}/wp-content/uploads/2001/01/nothing-here.jpg{suffix}")
        assert not headers.get("Content-Type", "").startswith("image/"), f"a missing original answered {status} with an image"
        # An image under uploads that no attachment owns (a web-server rule might keep it private): not served.
        stray = os.path.join(os.path.dirname(rel), "e2e-stray-private.jpg")
        shutil.copy(os.path.join(self.s.uploads, rel), os.path.join(self.s.uploads, stray))
        try:
            status, body, headers = http("GET", f"{self.s.wp_url}/wp-content/uploads/{stray}{suffix}")
            assert not headers.get("Content-Type", "").startswith("image/") and headers.get("X-Media-Offload") is None, \
                f"a file no attachment owns was served ({status}, {headers.get('Content-Type')})"
        finally:
            os.unlink(os.path.join(self.s.uploads, stray))

    @check("WebP fallback: <file>.webp that WordPress sees is answered with the original image, not a 404")
    def webp_fallback(self):
        self.variant_fallback(".webp")

    @check("AVIF fallback: <file>.avif (any case) that WordPress sees is answered with the original image, not a 404")
    def avif_fallback(self):
        # The edge asks for <key>.avif before <key>.webp, and an AVIF encode takes longer, so this is the URL a
        # new upload's first AVIF-capable visitor reaches WordPress with.
        self.variant_fallback(".avif")
        self.variant_fallback(".AVIF")
        # Not for a name that is no variant key: the service writes no variant of a variant.
        _, files = self.media["jpeg"]
        rel = next(f for f in files if "-300x" in f)
        status, _, headers = http("GET", f"{self.s.wp_url}/wp-content/uploads/{rel}.webp.avif")
        assert headers.get("X-Media-Offload") is None and not headers.get("Content-Type", "").startswith("image/"), \
            f"a variant of a variant answered {status} with {headers.get('Content-Type')}"

    @check("Edit: rotating the image in the editor offloads the new files (attachment.updated)")
    def edit(self):
        att, files = self.media["jpeg"]
        out = json.loads(self.s.wp("edit", str(att["id"]), "90").strip().splitlines()[-1])
        new_rel = out["file"]
        assert re.search(r"-e\d{13}", new_rel), f"no new file name after the edit: {new_rel}"
        folder = os.path.dirname(new_rel)
        stem = re.sub(r"-scaled$", "", os.path.splitext(os.path.basename(new_rel))[0])
        new_files = sorted(os.path.join(folder, n) for n in os.listdir(os.path.join(self.s.uploads, folder)) if n.startswith(stem))
        assert len(new_files) >= 3, new_files
        self.expect_offloaded(new_files)
        log_entries = json.loads(self.s.wp("option", "media_offload_log"))
        assert any(e["type"] == "attachment.updated" and e["attachmentId"] == att["id"] and e["status"] == 202 for e in log_entries)
        self.media["jpeg"] = (att, sorted(set(files) | set(new_files)))

    @check("Delete: deleting the attachment removes its objects and their variants")
    def delete(self):
        att, files = self.media["png"]
        prefix_keys = {f"wp-content/uploads/{p}" for p in files}
        status, body, _ = http("DELETE", f"{self.s.wp_url}/wp-json/wp/v2/media/{att['id']}?force=true", headers=self.s.auth())
        assert status == 200, (status, body[:300])
        wait_for(lambda: not ({k for k in self.s.keys() if k in prefix_keys or k[:-5] in prefix_keys}),
                 "objects and variants to be deleted", tick=self.s.traffic)
        assert not any(os.path.exists(os.path.join(self.s.uploads, p)) for p in files)
        del self.media["png"]

    @check("Service down: verify fails; the upload event is queued with backoff and delivered once the service is back")
    def outage(self):
        self.s.stop("service")
        p = self.s.wp("cli", "verify", check=False)
        assert p.returncode == 1 and "did not answer" in p.stderr, (p.returncode, p.stdout, p.stderr)
        src = os.path.join(self.s.tmp, "e2e-outage.jpg")
        subprocess.run(["php", os.path.join(HERE, "make-image.php"), src, "900", "700", "3"], check=True)
        started = time.time()
        att = self.s.upload(src, "e2e-outage.jpg", "image/jpeg")
        assert time.time() - started < 20, "the upload waited for the service"

        def queued():
            q = json.loads(self.s.wp("queue"))
            return q if any(r["attachment_id"] == str(att["id"]) and int(r["attempts"]) >= 1 for r in q["rows"]) else None
        q = wait_for(queued, "a failed attempt in the outbox", tick=self.s.traffic)
        row = next(r for r in q["rows"] if r["attachment_id"] == str(att["id"]))
        assert row["status"] == "pending" and row["last_error"], row
        log(f"     queued after {row['attempts']} attempt(s): {row['last_error'][:80]}")
        time.sleep(3)
        self.s.start_service()
        files = self.s.attachment_files(att["media_details"]["file"])
        self.expect_offloaded(files, timeout=WAIT * 1.5)
        wait_for(lambda: json.loads(self.s.wp("queue"))["counts"]["pending"] == 0, "an empty outbox", tick=self.s.traffic)
        self.media["outage"] = (att, files)

    @check("Hostile filenames: 'Café Ünïcode.jpg', 'a b+c&d.jpg', 'photo (1).jpg' and an NFD name go through the whole path")
    def hostile(self):
        self.hostile_names(raw=False)

    @check("Hostile filenames kept verbatim (no sanitize_file_name): spaces, '+', '&', '()', accents and NFD in keys")
    def hostile_raw(self):
        self.hostile_names(raw=True)

    def hostile_names(self, raw):
        # The last name is decomposed (NFD), as macOS hands it over: "e" + U+0301.
        for i, name in enumerate(["Café Ünïcode.jpg", "a b+c&d.jpg", "photo (1).jpg", unicodedata.normalize("NFD", "Décomposé brut.jpg" if raw else "Décomposé.jpg")]):
            src = os.path.join(self.s.tmp, f"hostile-{i}.jpg")
            subprocess.run(["php", os.path.join(HERE, "make-image.php"), src, "800", "600", str(10 + i)], check=True)
            att = self.s.upload(src, name, "image/jpeg", raw_name=raw)
            rel = att["media_details"]["file"]
            if raw:
                assert os.path.basename(rel) == name, f"WordPress renamed {name!r} to {rel!r}"
            files = self.s.attachment_files(rel)
            assert len(files) >= 3, files
            self.expect_offloaded(files)
            # Served back through WordPress from the uploads URL WordPress itself printed.
            status, _, _ = http("GET", f"{self.s.wp_url}/wp-content/uploads/" + urllib.parse.quote(rel))
            assert status == 200, (rel, status)
            self.media[f"hostile{i}{'raw' if raw else ''}"] = (att, files)
            log(f"     {ascii(name)} -> {ascii(rel)}: {len(files)} files")

    @check("Reserved name: an Author's upload of victim.jpg.webp leaves the victim's variant byte-identical; WordPress serves it")
    def reserved_variant_name(self):
        att, files = self.media["jpeg"]
        rel = next(f for f in files if "-300x" in f and not re.search(r"-e\d{13}", f))
        victim = f"wp-content/uploads/{rel}.webp"
        wait_for(lambda: victim in self.s.keys(), f"the victim's variant {victim}")
        before = self.snapshot([victim])
        _, author = self.author()
        src = os.path.join(self.s.tmp, "attacker.webp")
        subprocess.run(["php", os.path.join(HERE, "make-image.php"), src, "400", "300", "66"], check=True)
        with open(src, "rb") as f:
            attacker_bytes = f.read()
        hostile = self.s.upload(src, os.path.basename(rel) + ".webp", "image/webp", auth=author)
        assert hostile["media_details"]["file"] == rel + ".webp", f"WordPress renamed it: {hostile['media_details']['file']}"
        sizes = sorted(os.path.dirname(rel) + "/" + v["file"] for k, v in hostile["media_details"].get("sizes", {}).items() if k != "full")
        assert sizes, "WordPress made no sizes of the WebP, so nothing shows its other files still go"
        # Its other files are ordinary names and are offloaded: the event went, without the reserved one.
        size_keys = {f"wp-content/uploads/{p}" for p in sizes}
        wait_for(lambda: size_keys <= set(self.s.keys()), f"the attacker's sizes {sorted(size_keys)}", tick=self.s.traffic)
        assert self.snapshot([victim]) == before, "the victim's variant changed"
        assert hashlib.sha256(attacker_bytes).hexdigest() != before[victim][0]
        rows = json.loads(self.s.wp("index", str(hostile["id"])))
        assert sorted(r["path"] for r in rows) == sizes, f"index rows: {[r['path'] for r in rows]}"
        assert all(f["path"] != rel + ".webp" for f in self.manifest()), "the reserved name is in the manifest"
        # WordPress serves the attacker's file itself, and its URL stays on WordPress; its sizes' URLs do not.
        status, body, _ = http("GET", f"{self.s.wp_url}/wp-content/uploads/{urllib.parse.quote(rel)}.webp")
        assert status == 200 and body == attacker_bytes, f"WordPress did not serve the upload ({status})"
        media = self.rest_media(hostile["id"])
        assert media["source_url"] == f"{self.s.wp_url}/wp-content/uploads/{rel}.webp", media["source_url"]
        assert all(v["source_url"].startswith(f"https://{CDN}/") for k, v in media["media_details"]["sizes"].items() if k != "full"), \
            [v["source_url"] for v in media["media_details"]["sizes"].values()]
        # Deleting it deletes its own sizes, never the variant at its name's key.
        status, _, _ = http("DELETE", f"{self.s.wp_url}/wp-json/wp/v2/media/{hostile['id']}?force=true", headers=self.s.auth())
        assert status == 200, status
        wait_for(lambda: not (size_keys & set(self.s.keys())), "the attacker's sizes to be deleted", tick=self.s.traffic)
        assert self.snapshot([victim]) == before, "deleting the attacker's upload touched the victim's variant"
        sent = [e for e in self.events_for(hostile["id"]) if e.get("type") == "attachment.deleted" or e.get("event_type") == "attachment.deleted"]
        assert sent, "no delete event was sent for the attacker's sizes"
        log(f"     {rel}.webp by an Author: variant unchanged, {len(sizes)} sizes offloaded and deleted")

    def pair(self, name, first_form, second_form, seeds):
        """The same name uploaded twice, raw, in two Unicode forms: first by the admin, then by the Author."""
        out = []
        for i, (form, auth) in enumerate(((first_form, None), (second_form, self.author()[1]))):
            src = os.path.join(self.s.tmp, f"pair-{seeds[i]}.jpg")
            subprocess.run(["php", os.path.join(HERE, "make-image.php"), src, "800", "600", str(seeds[i])], check=True)
            raw = unicodedata.normalize(form, name)
            att = self.s.upload(src, raw, "image/jpeg", raw_name=True, auth=auth)
            assert os.path.basename(att["media_details"]["file"]) == raw, f"renamed: {ascii(att['media_details']['file'])}"
            folder = os.path.dirname(att["media_details"]["file"])
            files = sorted({att["media_details"]["file"]} | {f"{folder}/{v['file']}" for k, v in att["media_details"]["sizes"].items() if k != "full"})
            assert all(os.path.isfile(os.path.join(self.s.uploads, f)) for f in files)
            if i == 0:
                self.expect_offloaded(files)
                # The owner is recorded on each object: its id, and a digest of its name as on disk (docs/keys.md).
                for f in files:
                    meta = self.s.s3.head_object(Bucket=MEDIA_BUCKET, Key="wp-content/uploads/" + unicodedata.normalize("NFC", f))["Metadata"]
                    assert meta.get("attachment-id") == str(att["id"]), (ascii(f), meta)
                    assert meta.get("source-name") == hashlib.sha256(f.encode("utf-8")).hexdigest()[:32], (ascii(f), meta)
                keys = {"wp-content/uploads/" + unicodedata.normalize("NFC", f) for f in files}
                keys |= {k + suffix for k in keys for suffix in (".avif", ".webp")}
                snap = self.snapshot(keys)
            out.append((att, files))
        return out, snap

    def second_is_left_out(self, owner, other, snap):
        """The second of a pair owns nothing: no row, its conflicts recorded, no event, the owner's objects as they were."""
        (a, a_files), (b, b_files) = owner, other
        conflicts = wait_for(lambda: json.loads(self.s.wp("meta", str(b["id"]), "_media_offload_conflicts")) or None,
                             "the second upload's conflicts")
        assert conflicts == {unicodedata.normalize("NFC", f): a["id"] for f in b_files}, conflicts
        assert json.loads(self.s.wp("index", str(b["id"]))) == [], "the second upload has index rows"
        rows = {r["path"]: r for r in json.loads(self.s.wp("index", str(a["id"])))}
        assert set(rows) == {unicodedata.normalize("NFC", f) for f in a_files}, sorted(rows)
        assert all(rows[unicodedata.normalize("NFC", f)]["name"] == f for f in a_files), "the owner's on-disk name is not kept"
        assert self.events_for(b["id"]) == [], f"an event for the second upload: {self.events_for(b['id'])}"
        assert self.snapshot(snap) == snap, "the owner's objects changed"
        listed = [f for f in self.manifest() if f["path"] in rows]
        assert sorted(f["path"] for f in listed) == sorted(rows) and all(f["attachmentId"] == a["id"] for f in listed), listed
        assert not any(f["attachmentId"] == b["id"] for f in self.manifest())
        return listed

    @check("NFC/NFD pair: two users' café.jpg; the first owns the key, the second is not offloaded, listed or rewritten; its delete deletes nothing")
    def nfc_nfd_pair(self):
        ((a, a_files), (b, b_files)), snap = self.pair("café.jpg", "NFC", "NFD", (20, 21))
        listed = self.second_is_left_out((a, a_files), (b, b_files), snap)
        main = next(f for f in listed if f["path"] == unicodedata.normalize("NFC", a["media_details"]["file"]))
        assert urllib.parse.unquote(main["url"]).endswith(a["media_details"]["file"]), main["url"]
        # The owner goes to the CDN; the other file stays on WordPress, which serves its own bytes.
        assert self.rest_media(a["id"])["source_url"].startswith(f"https://{CDN}/")
        media = self.rest_media(b["id"])
        assert media["source_url"].startswith(self.s.wp_url + "/"), media["source_url"]
        assert all(v["source_url"].startswith(self.s.wp_url + "/") for v in media["media_details"]["sizes"].values()), \
            [v["source_url"] for v in media["media_details"]["sizes"].values()]
        status, body, _ = http("GET", self.s.wp_url + "/wp-content/uploads/" + urllib.parse.quote(b["media_details"]["file"]))
        assert status == 200 and body == open(os.path.join(self.s.uploads, b["media_details"]["file"]), "rb").read()
        # The variant fallback answers for the owner's name only, for either format.
        for fmt in ("webp", "avif"):
            _, _, headers = http("GET", self.s.wp_url + "/wp-content/uploads/" + urllib.parse.quote(b["media_details"]["file"]) + "." + fmt)
            assert headers.get("X-Media-Offload") is None, f"the {fmt} fallback served a file that does not own its key"
            _, body, headers = http("GET", self.s.wp_url + "/wp-content/uploads/" + urllib.parse.quote(a["media_details"]["file"]) + "." + fmt)
            assert headers.get("X-Media-Offload") == fmt + "-fallback-original", (fmt, headers.get("X-Media-Offload"))
            assert body == open(os.path.join(self.s.uploads, a["media_details"]["file"]), "rb").read(), fmt
        # Deleting the second deletes its files on disk and nothing in the bucket.
        status, _, _ = http("DELETE", f"{self.s.wp_url}/wp-json/wp/v2/media/{b['id']}?force=true", headers=self.s.auth())
        assert status == 200, status
        assert not any(os.path.exists(os.path.join(self.s.uploads, f)) for f in b_files)
        assert all(os.path.isfile(os.path.join(self.s.uploads, f)) for f in a_files)
        assert self.events_for(b["id"]) == [], f"deleting the second upload queued {self.events_for(b['id'])}"
        self.s.traffic()
        time.sleep(1)
        assert self.snapshot(snap) == snap, "deleting the second upload changed the owner's objects"
        assert [f for f in self.manifest() if f["path"] in {x["path"] for x in listed}] == listed
        self.media["pair"] = (a, a_files)
        log(f"     owner {a['id']} ({len(a_files)} files) kept; {b['id']} left out, deleted, bucket unchanged")

    @check("NFD owner, NFC second: the owner goes to the CDN under its NFC key; the NFC file stays on WordPress, in content too")
    def nfd_owner_pair(self):
        ((c, c_files), (d, d_files)), snap = self.pair("naïve.jpg", "NFD", "NFC", (22, 23))
        self.second_is_left_out((c, c_files), (d, d_files), snap)
        contested = {r["path"]: r["contested"] for r in json.loads(self.s.wp("index", str(c["id"])))}
        assert set(contested.values()) == {"1"}, contested
        nfc_main = unicodedata.normalize("NFC", c["media_details"]["file"])
        cdn_main = f"https://{CDN}/wp-content/uploads/" + urllib.parse.quote(nfc_main)
        assert self.rest_media(c["id"])["source_url"] == cdn_main, self.rest_media(c["id"])["source_url"]
        assert self.rest_media(d["id"])["source_url"].startswith(self.s.wp_url + "/")
        # Content names both files by their uploads URLs; only the owner's is swapped.
        local = f"{self.s.wp_url}/wp-content/uploads/"
        content = f'<p><img src="{local}{c["media_details"]["file"]}" alt="c"/><img src="{local}{d["media_details"]["file"]}" alt="d"/></p>'
        status, body, _ = http("POST", self.s.wp_url + "/wp-json/wp/v2/posts",
                               json.dumps({"title": "NFD owner", "status": "publish", "content": content}).encode(),
                               dict(self.s.auth(), **{"Content-Type": "application/json"}))
        assert status == 201, (status, body[:300])
        status, page, _ = http("GET", json.loads(body)["link"])
        parser = ImgParser()
        parser.feed(page.decode("utf-8"))
        srcs = {i.get("alt"): i.get("src") for i in parser.imgs}
        assert srcs.get("c") == cdn_main, ascii(srcs.get("c"))
        assert srcs.get("d") == local + d["media_details"]["file"], ascii(srcs.get("d"))
        self.media["nfd_owner"] = (c, c_files, d, d_files)

    @check("Schema upgrade: a schema-1 index is upgraded by dbDelta to the current schema and re-indexed; on-disk names and conflicts come back")
    def schema_upgrade(self):
        c, c_files, d, d_files = self.media["nfd_owner"]
        columns = json.loads(self.s.wp("schema-v1").strip().splitlines()[-1])
        assert not {"name", "contested", "remote_only"} & set(columns), columns
        # The next request upgrades the table; WP-Cron then re-describes every attachment.
        with open(os.path.join(PLUGIN, "inc/class-schema.php")) as f:
            current = re.search(r"const VERSION\s*=\s*'(\d+)'", f.read()).group(1)
        wait_for(lambda: json.loads(self.s.wp("option", "media_offload_schema")) == current
                 and json.loads(self.s.wp("option", "media_offload_reindex")) is None, "the upgrade and re-index",
                 tick=self.s.traffic)
        rows = {r["path"]: r for r in json.loads(self.s.wp("index", str(c["id"])))}
        assert {p: r["name"] for p, r in rows.items()} == {unicodedata.normalize("NFC", f): f for f in c_files}, \
            [ascii(r["name"]) for r in rows.values()]
        assert {r["contested"] for r in rows.values()} == {"1"}, "the conflict was not recorded again"
        assert json.loads(self.s.wp("index", str(d["id"]))) == []
        assert json.loads(self.s.wp("meta", str(d["id"]), "_media_offload_conflicts")) == {unicodedata.normalize("NFC", f): c["id"] for f in d_files}

    @check("Owner deleted: its paths are freed; the other file claims them when next described, and only then is offloaded")
    def claim_after_owner_delete(self):
        c, c_files, d, d_files = self.media["nfd_owner"]
        keys = {"wp-content/uploads/" + unicodedata.normalize("NFC", f) for f in c_files}
        status, _, _ = http("DELETE", f"{self.s.wp_url}/wp-json/wp/v2/media/{c['id']}?force=true", headers=self.s.auth())
        assert status == 200, status
        wait_for(lambda: not (keys & set(self.s.keys())), "the owner's objects to be deleted", tick=self.s.traffic)
        # Freed, not yet claimed: the other attachment has sent nothing and still names its old owner.
        assert json.loads(self.s.wp("index", str(d["id"]))) == [] and self.events_for(d["id"]) == []
        # A metadata update that changes no file re-describes it; the freed paths are its own now, and that alone
        # sends them.
        self.s.wp("touch-meta", str(d["id"]))
        wait_for(lambda: keys <= set(self.s.keys()), "the claimed paths to be offloaded", tick=self.s.traffic)
        for f in d_files:
            key = "wp-content/uploads/" + unicodedata.normalize("NFC", f)
            wait_for(lambda: self.s.s3.head_object(Bucket=MEDIA_BUCKET, Key=key)["Metadata"].get("attachment-id") == str(d["id"]),
                     f"{ascii(key)} recorded for its new owner", tick=self.s.traffic)
            meta = self.s.s3.head_object(Bucket=MEDIA_BUCKET, Key=key)["Metadata"]
            assert meta.get("source-md5") == md5_of(os.path.join(self.s.uploads, f)), ascii(key)
            assert meta.get("source-name") == hashlib.sha256(f.encode("utf-8")).hexdigest()[:32], (ascii(key), meta)
        assert json.loads(self.s.wp("meta", str(d["id"]), "_media_offload_conflicts")) == ""
        rows = {r["path"] for r in json.loads(self.s.wp("index", str(d["id"])))}
        assert {unicodedata.normalize("NFC", f) for f in d_files} <= rows, sorted(rows)
        assert self.rest_media(d["id"])["source_url"].startswith(f"https://{CDN}/")
        self.expect_offloaded(d_files)
        assert any(e["type"] == "attachment.updated" and e["attachmentId"] == d["id"] and e["status"] == 202
                   for e in json.loads(self.s.wp("option", "media_offload_log")))

    @check("Manifest: refuses unsigned, wrongly signed and stale requests with 401")
    def manifest_auth(self):
        url = self.s.wp_url + "/wp-json/media-offload/v1/manifest?cursor=&limit=500"
        status, body, _ = http("GET", url)
        assert status == 401, (status, body[:200])
        status, _, _ = signed_get(url, timestamp=int(time.time()) - 600)
        assert status == 401, f"stale: {status}"
        status, _, _ = signed_get(url, timestamp=int(time.time()) + 600)
        assert status == 401, f"future: {status}"
        status, _, _ = signed_get(url, secret="not-the-secret-" + "x" * 32)
        assert status == 401, f"wrong secret: {status}"
        # A valid signature for another target does not open this one.
        status, _, _ = http("GET", url, headers=dict(zip(["X-MediaOffload-Timestamp", "X-MediaOffload-Signature"], signed_headers(url.replace("limit=500", "limit=499")))))
        assert status == 401, f"signature of another query: {status}"
        status, _, _ = signed_get(url)
        assert status == 200, f"signed: {status}"

    @check("Manifest: sorted by path in byte order, paged by cursor, and in step with the bucket")
    def manifest_pages(self):
        files, cursor, pages = [], "", 0
        while True:
            url = f"{self.s.wp_url}/wp-json/media-offload/v1/manifest?cursor={urllib.parse.quote(cursor, safe='')}&limit=4"
            status, body, _ = signed_get(url)
            assert status == 200, (status, body[:300])
            page = json.loads(body)
            assert set(page) == {"files", "nextCursor"}
            files += page["files"]
            pages += 1
            cursor = page["nextCursor"]
            if not cursor:
                break
        paths = [f["path"] for f in files]
        assert pages > 2, pages
        assert paths == sorted(paths, key=lambda p: p.encode("utf-8")), "not in byte order"
        assert len(set(paths)) == len(paths), "a path is listed twice"
        assert all(unicodedata.is_normalized("NFC", p) for p in paths), [ascii(p) for p in paths if not unicodedata.is_normalized("NFC", p)]
        base = self.s.wp_url + "/wp-content/uploads/"
        for f in files:
            assert set(f) == {"path", "url", "size", "md5", "mime", "modified", "attachmentId"}, f
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", f["modified"]), f["modified"]
            # url names the owner's file as on disk (NFD stays NFD), each segment percent-encoded like an event's.
            assert f["url"].startswith(base), f["url"]
            on_disk = urllib.parse.unquote(f["url"][len(base):])
            assert f["url"][len(base):] == "/".join(urllib.parse.quote(seg, safe="") for seg in on_disk.split("/")), f["url"]
            assert unicodedata.normalize("NFC", on_disk) == f["path"], (ascii(on_disk), ascii(f["path"]))
            assert os.path.isfile(os.path.join(self.s.uploads, on_disk)), f"{ascii(on_disk)} is not on disk"
            assert md5_of(os.path.join(self.s.uploads, on_disk)) == f["md5"], ascii(on_disk)
        # Everything the site has is in the bucket with the same MD5, and the bucket holds nothing else.
        keys = self.s.keys()
        # Less the variants, <key>.webp and <key>.avif beside their source.
        media_keys = {k for k in keys if not (k.endswith((".webp", ".avif")) and k[:-5] in keys)}
        manifest_keys = {"wp-content/uploads/" + p for p in paths}
        assert manifest_keys == media_keys, f"drift: only in manifest {sorted(manifest_keys - media_keys)[:5]}, only in bucket {sorted(media_keys - manifest_keys)[:5]}"
        for f in files:
            head = self.s.s3.head_object(Bucket=MEDIA_BUCKET, Key="wp-content/uploads/" + f["path"])
            assert head["Metadata"].get("source-md5") == f["md5"] and head["ContentLength"] == f["size"], f["path"]
        log(f"     {len(files)} files in {pages} pages")

    def reconcile(self, payload):
        """The Reconciler's pass-through path, unsigned like every Lambda event path; answers with the report."""
        status, body, _ = http("POST", self.s.api_url + "/events/reconcile", json.dumps(payload).encode(),
                               {"Content-Type": "application/json"}, timeout=120)
        assert status == 200, f"reconcile answered {status}: {body[:800]!r}"
        answer = json.loads(body)
        assert answer.get("status") == "finished" and answer.get("runId"), answer
        return answer

    @check("Reconcile: after upload, edit, delete, outage, hostile names and owner conflicts, a reconcile finds zero drift")
    def zero_drift(self):
        answer = self.reconcile({"action": "reconcile"})
        report = answer["report"]
        with open(os.path.join(ARTIFACTS, "reconcile-report.json"), "w") as f:
            json.dump(answer, f, indent=2)
        assert report["inSync"] is True and report["drift"] == 0, (
            f"drift {report['drift']}, inSync {report['inSync']}; planned {json.dumps(report.get('planned'))}; "
            f"failures {json.dumps(report.get('failures'), ensure_ascii=False)}")
        planned = report.get("planned", {})
        # The report counts every action, zeros included; nothing but skips may be above zero.
        assert planned.get("Skip", 0) > 0 and {a for a, n in planned.items() if n} <= {"Skip"}, f"planned {json.dumps(planned)}"
        log(f"     run {answer['runId']}: planned {json.dumps(planned)}, drift {report['drift']}")

    def control_report(self, run_id, timeout=WAIT):
        """reports/{runId}.json from the control bucket, once the service's notifier has run the backfill."""
        def fetch():
            try:
                return json.loads(self.s.s3.get_object(Bucket=CONTROL_BUCKET, Key=f"reports/{run_id}.json")["Body"].read())
            except self.s.s3.exceptions.NoSuchKey:
                return None
        return wait_for(fetch, f"reports/{run_id}.json in the control bucket", timeout=timeout, interval=0.3)

    @check("Backfill from WP-CLI: --dry-run gets a 202 and a runId; a real backfill ends with an in-sync report")
    def backfill(self):
        runs = {}
        for dry in (True, False):
            out = self.s.wp("cli", "backfill", *(["--dry-run"] if dry else []))
            m = re.search(r"Success: Backfill (\(dry run\) )?([0-9A-Za-z_-]+) started", out)
            assert m and bool(m.group(1)) == dry, f"no runId in the output: {out!r}"
            runs[dry] = m.group(2)
            last = json.loads(self.s.wp("option", "media_offload_last_backfill"))
            assert last["runId"] == runs[dry] and last["status"] == "started" and last["dryRun"] is dry, last
            status = self.s.wp("cli", "status")
            assert f"backfill:     {runs[dry]} started" in status, status
        assert runs[True] != runs[False]
        dry = self.control_report(runs[True])
        assert dry["dryRun"] is True and dry["drift"] == 0 and dry["inSync"] is True, json.dumps(dry)
        report = self.control_report(runs[False])
        assert report["dryRun"] is False, report
        assert report["inSync"] is True and report["drift"] == 0, (
            f"drift {report['drift']}; planned {json.dumps(report.get('planned'))}; "
            f"failures {json.dumps(report.get('failures'), ensure_ascii=False)}")
        assert not report.get("failures"), report["failures"]
        keys = [o["Key"] for o in self.s.s3.list_objects_v2(Bucket=CONTROL_BUCKET, Prefix="checkpoints/").get("Contents", [])]
        assert not keys, f"checkpoints left behind: {keys}"
        self.media["backfill"] = runs[False]
        log(f"     dry run {runs[True]}, backfill {runs[False]}: planned {json.dumps(report.get('planned'))}")

    @check("Settings page in headless Chromium: save, see the values persisted, screenshot kept")
    def settings_page(self):
        script = os.path.join(HERE, "settings-page.mjs")
        env = dict(os.environ, WP_URL=self.s.wp_url, WP_USER="admin", WP_PASSWORD="e2e-admin-password",
                   ARTIFACTS=ARTIFACTS, NODE_PATH=os.path.join(TESTS, "node_modules"),
                   EXPECT_BACKFILL=self.media.get("backfill", ""))
        p = subprocess.run(["node", script], env=env, capture_output=True, text=True, timeout=180, cwd=TESTS)
        with open(os.path.join(ARTIFACTS, "settings-page.log"), "w") as f:
            f.write(p.stdout + p.stderr)
        assert p.returncode == 0, (p.stdout + p.stderr)[-800:]
        saved = json.loads(self.s.wp("option", "media_offload_settings"))
        assert saved["cdn_domain"] == "media.e2e.test" and saved["rewrite_urls"] is True and saved["secret"] == SECRET, saved
        assert os.path.getsize(os.path.join(ARTIFACTS, "settings-page.png")) > 10000

    @check("Key prefix: x\"><img onerror> is refused on the settings page (no unfiltered_html) and no markup of it reaches a post")
    def hostile_key_prefix(self):
        hostile = 'x"><img src=x onerror=alert(1)>'
        flag = os.path.join(self.s.wp_dir, "e2e-settings-unlocked")
        saved = json.loads(self.s.wp("option", "media_offload_settings"))
        open(flag, "w").close()
        try:
            env = dict(os.environ, WP_URL=self.s.wp_url, WP_USER="admin", WP_PASSWORD="e2e-admin-password",
                       ARTIFACTS=ARTIFACTS, NODE_PATH=os.path.join(TESTS, "node_modules"), POST_URL=self.media["post"],
                       EXPECT_PREFIX=saved["key_prefix"], EXPECT_CDN=f"https://{saved['cdn_domain']}/{saved['key_prefix']}/")
            p = subprocess.run(["node", os.path.join(HERE, "settings-hostile.mjs")], env=env, capture_output=True, text=True,
                               timeout=180, cwd=TESTS)
            with open(os.path.join(ARTIFACTS, "settings-hostile.log"), "w") as f:
                f.write(p.stdout + p.stderr)
            assert p.returncode == 0, (p.stdout + p.stderr)[-800:]
            after = json.loads(self.s.wp("option", "media_offload_settings"))
            assert after == saved, f"the settings changed: {after}"
            # Stored behind the page's back (a value saved before this rule, a direct write): rewriting stops, the
            # value is printed nowhere, and the status says why.
            self.s.wp("set-option", "media_offload_settings", json.dumps(dict(saved, key_prefix=hostile)))
            status, page, _ = http("GET", self.media["post"])
            assert status == 200, status
            assert b"onerror" not in page and b"src=x" not in page, "markup from the stored key prefix is in the post"
            parser = ImgParser()
            parser.feed(page.decode("utf-8"))
            srcs = [i["src"] for i in parser.imgs if "wp-image-" in i.get("class", "")]
            assert srcs and all(src.startswith(self.s.wp_url + "/wp-content/uploads/") for src in srcs), srcs
            status, body, _ = http("GET", f"{self.s.wp_url}/wp-json/wp/v2/media/{self.media['jpeg'][0]['id']}")
            assert "onerror" not in body.decode() and json.loads(body)["source_url"].startswith(self.s.wp_url + "/")
            p = self.s.wp("cli", "status", check=False)
            assert "key prefix must be" in p.stderr, p.stderr
        finally:
            self.s.wp("set-option", "media_offload_settings", json.dumps(saved))
            os.unlink(flag)

    @check("Without intl: activation through wp.php (as WP-CLI) is refused with the reason; nothing is indexed or sent")
    def intl_activation(self):
        nointl = self.s.nointl_env()
        before = (self.s.wp("index"), json.loads(self.s.wp("queue")), sorted(self.s.keys()))
        assert json.loads(self.s.wp("deactivate").strip().splitlines()[-1]) == {"active": False}
        try:
            p = self.s.wp("activate", check=False, env=nointl)
            assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
            assert p.stderr.startswith("Error: Media Offload needs PHP's intl extension") and "apt install php" in p.stderr, p.stderr
            assert "media-offload/media-offload.php" not in json.loads(self.s.wp("option", "active_plugins"))
            assert (self.s.wp("index"), json.loads(self.s.wp("queue")), sorted(self.s.keys())) == before, "something was indexed or sent"
        finally:
            out = json.loads(self.s.wp("activate").strip().splitlines()[-1])
        assert out == {"active": True}, out
        log(f"     refused: {p.stderr.strip()[:110]}...")

    def admin_page(self, base, path):
        """A wp-admin page fetched with a cookie login, without following redirects to the main server."""
        class Stay(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), Stay)
        opener.open(base + "/wp-login.php", timeout=30).read()
        form = urllib.parse.urlencode({"log": "admin", "pwd": "e2e-admin-password", "wp-submit": "Log In", "testcookie": "1"}).encode()
        try:
            opener.open(base + "/wp-login.php", form, timeout=30)
        except urllib.error.HTTPError as e:
            assert e.code == 302, f"login answered {e.code}"
        with opener.open(base + path, timeout=60) as r:
            return r.read().decode("utf-8")

    @check("intl gone after activation: inert; manifest 503, an upload is not indexed or sent, a delete waits in the outbox, the notice shows")
    def intl_inert(self):
        nointl = self.s.nointl_env()
        att, files = self.media["hostile2raw"]
        keys = {"wp-content/uploads/" + unicodedata.normalize("NFC", f) for f in files}
        keys |= {k + suffix for k in keys for suffix in (".avif", ".webp")}
        assert keys <= set(self.s.keys())
        # Only PHP without intl serves the site now, so nothing else can post the outbox meanwhile.
        self.s.stop("wordpress")
        try:
            base = self.s.start_wordpress("wordpress-nointl", free_port(), nointl)
            url = base + "/wp-json/media-offload/v1/manifest?cursor=&limit=10"
            assert http("GET", url)[0] == 401, "an unsigned request got past the signature check"
            status, body, _ = signed_get(url)
            problem = json.loads(body)
            assert status == 503 and problem["code"] == "media_offload_intl_missing" and "intl" in problem["message"], (status, body[:300])
            # An upload: served by WordPress, not described, indexed or sent.
            src = os.path.join(self.s.tmp, "inert.jpg")
            subprocess.run(["php", os.path.join(HERE, "make-image.php"), src, "600", "400", "30"], check=True)
            inert = self.s.upload(src, unicodedata.normalize("NFD", "inert-é.jpg"), "image/jpeg", raw_name=True, base=base)
            assert inert["source_url"].startswith(self.s.wp_url + "/wp-content/uploads/"), inert["source_url"]
            assert json.loads(self.s.wp("meta", str(inert["id"]), "_media_offload_files")) == ""
            assert json.loads(self.s.wp("index", str(inert["id"]))) == [] and self.events_for(inert["id"]) == []
            # A delete: the index frees the paths at once; the event waits in the outbox, untried.
            status, _, _ = http("DELETE", f"{base}/wp-json/wp/v2/media/{att['id']}?force=true", headers=self.s.auth())
            assert status == 200, status
            assert json.loads(self.s.wp("index", str(att["id"]))) == []
            rows = [r for r in json.loads(self.s.wp("queue"))["rows"] if int(r["attachment_id"]) == att["id"]]
            assert [(r["event_type"], r["status"], r["attempts"]) for r in rows] == [("attachment.deleted", "pending", "0")], rows
            # A dispatch that was due when intl went away runs on this PHP's WP-Cron and posts nothing.
            assert self.s.wp("cron", "media_offload_dispatch", "now", env=nointl).strip() != "[]"
            # The requests above are visitors: one may have spawned WP-Cron towards WP_SITEURL, the stopped server,
            # leaving its lock for 60 s, and wp-cron.php would then exit untried. Clear that stale lock first.
            self.s.wp("set-option", "_transient_doing_cron", json.dumps(""))
            status, _, _ = http("GET", base + "/wp-cron.php")
            assert status == 200, status
            assert json.loads(self.s.wp("cron", "media_offload_dispatch", env=nointl)) == [], "the dispatch did not run"
            rows = [r for r in json.loads(self.s.wp("queue"))["rows"] if int(r["attachment_id"]) == att["id"]]
            assert [(r["status"], r["attempts"], r["last_error"]) for r in rows] == [("pending", "0", None)], rows
            assert keys <= set(self.s.keys()), "the delete was sent"
            p = self.s.wp("cli", "retry", check=False, env=nointl)
            assert p.returncode == 1 and "intl" in p.stderr, (p.returncode, p.stderr)
            assert "state:        inert" in self.s.wp("cli", "status", env=nointl)
            dashboard = self.admin_page(base, "/wp-admin/index.php")
            assert 'id="media-offload-intl-missing"' in dashboard and "intl extension" in dashboard, "no admin notice"
        finally:
            self.s.stop("wordpress-nointl")
            self.s.start_wordpress()
        # intl is back: the kept delete goes out.
        self.s.wp("cli", "retry", check=False)
        wait_for(lambda: not (keys & set(self.s.keys())), "the kept delete to be delivered", tick=self.s.traffic)
        assert any(e["type"] == "attachment.deleted" and e["attachmentId"] == att["id"] and e["status"] == 202
                   for e in json.loads(self.s.wp("option", "media_offload_log")))

    @check("Uninstall: options, tables, scheduled events and the plugin's meta (status included) removed; media untouched")
    def uninstall(self):
        before = sorted(os.path.relpath(os.path.join(d, n), self.s.uploads) for d, _, ns in os.walk(self.s.uploads) for n in ns)
        out = json.loads(self.s.wp("uninstall").strip().splitlines()[-1])
        assert out["options"] == [False] * 6, out
        assert out["cron"] == [False] * 5 and out["hooks"] == [], out
        assert out["tables"] == [], out
        assert out["attachments"] > 0
        assert out["meta"] == 0, f"{out['meta']} fingerprint, conflict or status meta rows left"
        after = sorted(os.path.relpath(os.path.join(d, n), self.s.uploads) for d, _, ns in os.walk(self.s.uploads) for n in ns)
        assert before == after, "uninstall touched uploads"

    # -- Offload status: job polls, the Media Library, resends, reports (docs/plugin.md, "Offload status") ----------
    def status_mu_plugin(self):
        """Seconds between job polls instead of 10 s doubling, so the status checks stay short: 2 s, then 5 s after
        ten polls, so a slow job still has minutes before the poll bound gives it up."""
        with open(os.path.join(self.s.wp_dir, "wp-content/mu-plugins/e2e-status.php"), "w") as f:
            f.write("<?php\nadd_filter( 'media_offload_poll_delay', function ( $delay, $polls ) { return $polls < 10 ? 2 : 5; }, 10, 2 );\n")

    def status_of(self, att_id, refresh=False):
        """`wp media-offload status <id> --format=json`: the attachment's view, as the column shows it."""
        out = self.s.wp("cli", "status", str(att_id), "--format=json", *(["--refresh"] if refresh else []))
        return json.loads(out.strip().splitlines()[-1])

    def wait_state(self, att_id, state, timeout=WAIT * 1.5):
        """Until the attachment's status is `state`, with visitors letting WP-Cron poll the service."""
        return wait_for(lambda: (lambda v: v if v["state"] == state else None)(self.status_of(att_id)),
                        f"attachment {att_id} to be {state}", timeout=timeout, interval=1, tick=self.s.traffic)

    def browser(self, steps, user="admin", password="e2e-admin-password"):
        """Runs e2e/media-library.mjs; returns what each step saw. A JavaScript dialog fails the check."""
        env = dict(os.environ, WP_URL=self.s.wp_url, WP_USER=user, WP_PASSWORD=password, ARTIFACTS=ARTIFACTS,
                   NODE_PATH=os.path.join(TESTS, "node_modules"), STEPS=json.dumps(steps))
        p = subprocess.run(["node", os.path.join(HERE, "media-library.mjs")], env=env, capture_output=True, text=True,
                           timeout=240, cwd=TESTS)
        with open(os.path.join(ARTIFACTS, "media-library.log"), "a") as f:
            f.write(f"$ {json.dumps(steps)}\n{p.stdout}{p.stderr}\n")
        assert p.returncode == 0, (p.stdout + p.stderr)[-800:]
        out = json.loads(p.stdout.strip().splitlines()[-1])
        assert not out["dialogs"], f"a dialog opened: {out['dialogs']}"
        return out["steps"]

    def variant_oracle(self, files):
        """(files, .avif keys, .webp keys) of an attachment, counted in the bucket."""
        keys = set(self.s.keys())
        originals = ["wp-content/uploads/" + unicodedata.normalize("NFC", f) for f in files]
        assert all(k in keys for k in originals), [k for k in originals if k not in keys]
        return len(originals), sum(k + ".avif" in keys for k in originals), sum(k + ".webp" in keys for k in originals)

    def sent_log(self):
        return json.loads(self.s.wp("option", "media_offload_log")) or []

    @staticmethod
    def new_entries(before, after):
        """Log entries in `after` that `before` did not have (the log keeps the newest first, 25 at most)."""
        left = list(before)
        new = []
        for entry in after:
            if entry in left:
                left.remove(entry)
            else:
                new.append(entry)
        return new

    def quiet_outbox(self):
        wait_for(lambda: json.loads(self.s.wp("queue"))["counts"]["pending"] == 0, "an empty outbox", tick=self.s.traffic)

    @check("Status: an uploaded JPEG's row in the Media Library (Chromium, list mode) turns to offloaded, AVIF and WebP counted as in the bucket")
    def status_offloaded(self):
        att, files = self.media["jpeg"]
        view = self.wait_state(att["id"], "offloaded")
        n, avif, webp = self.variant_oracle(files)
        assert avif == webp == n, f"the bucket holds {avif} .avif and {webp} .webp keys for {n} files"
        label = f"Offloaded {n}/{n} · AVIF {avif} · WebP {webp}"
        assert view["label"] == label, (view["label"], label)
        assert view["counts"]["offloaded"] == n and view["counts"]["avif"] == avif and view["counts"]["webp"] == webp, view["counts"]
        assert sorted(f["path"] for f in view["files"]) == sorted(unicodedata.normalize("NFC", f) for f in files)
        assert all(f["status"] in ("uploaded", "unchanged") for f in view["files"]), view["files"]
        assert view["jobs"] and all(j["nextPollAt"] == 0 for j in view["jobs"]), "a finished job is still polled"
        title = os.path.splitext(os.path.basename(files[0]))[0]
        rows, _, details, modal = self.browser([["list", "e2e-photo"], ["rows", [att["id"]]], ["screenshot", "media-list-offloaded.png"],
                                                ["details", att["id"]], ["modal", att["id"]]])[1:]
        row = rows[str(att["id"])]
        assert row and row["text"] == label, row
        assert row["state"] == "offloaded" and "Send to offload again" in row["actions"], row
        assert all(f in row["title"] for f in files), row["title"]
        for where, seen in (("edit screen", details), ("modal", modal)):
            assert seen["state"] == "offloaded" and seen["text"].startswith(label), (where, seen)
            assert all(f in seen["text"] for f in files), (where, seen["text"])
        assert os.path.getsize(os.path.join(ARTIFACTS, "media-list-offloaded.png")) > 10000
        log(f"     {label} ({title}); {sum(j['polls'] for j in view['jobs'])} polls")

    @check("Status with the service down: an upload's row shows pending, then offloaded once the service is back")
    def status_outage(self):
        self.s.stop("service")
        try:
            src = os.path.join(self.s.tmp, "e2e-status-down.jpg")
            subprocess.run(["php", os.path.join(HERE, "make-image.php"), src, "900", "600", "31"], check=True)
            att = self.s.upload(src, "e2e-status-down.jpg", "image/jpeg")
            wait_for(lambda: self.status_of(att["id"])["attempts"] >= 1, "a failed attempt to send", tick=self.s.traffic)
            view = self.status_of(att["id"])
            assert view["state"] == "pending" and view["waiting"] and view["label"].startswith("Pending (waiting to send"), view
            rows = self.browser([["list", "e2e-status-down"], ["rows", [att["id"]]], ["screenshot", "media-list-pending.png"]])[1]
            row = rows[str(att["id"])]
            assert row and row["state"] == "pending" and row["text"].startswith("Pending (waiting to send"), row
            assert "Waiting in the outbox after" in row["title"], row["title"]
        finally:
            self.s.start_service()
        files = self.s.attachment_files(att["media_details"]["file"])
        view = self.wait_state(att["id"], "offloaded")
        n, avif, webp = self.variant_oracle(files)
        assert view["label"] == f"Offloaded {n}/{n} · AVIF {avif} · WebP {webp}" and avif == webp == n, (view["label"], n, avif, webp)
        rows = self.browser([["list", "e2e-status-down"], ["rows", [att["id"]]]])[1]
        assert rows[str(att["id"])]["text"] == view["label"], rows

    @check("Status: a file named with <script> and <img onerror> shows in the column, the edit screen and the modal as text; no element, no dialog")
    def status_escaped(self):
        name = "e2e-xss-<img src=x onerror=alert(1)>-<script>alert(2)<script>.jpg"
        src = os.path.join(self.s.tmp, "xss.jpg")
        subprocess.run(["php", os.path.join(HERE, "make-image.php"), src, "700", "500", "32"], check=True)
        att = self.s.upload(src, name, "image/jpeg", raw_name=True)
        assert os.path.basename(att["media_details"]["file"]) == name, att["media_details"]["file"]
        view = self.wait_state(att["id"], "offloaded")
        seen = self.browser([["list", "e2e-xss"], ["rows", [att["id"]]], ["details", att["id"]], ["modal", att["id"]],
                             ["screenshot", "media-xss-modal.png"]])
        rows, details, modal = seen[1], seen[2], seen[3]
        row = rows[str(att["id"])]
        assert row and row["text"] == view["label"], row
        assert set(row["elements"]) == {"span"}, f"elements in the cell: {row['elements']}"
        assert att["media_details"]["file"] in row["title"], row["title"]
        for where, seen in (("edit screen", details), ("modal", modal)):
            assert "script" not in seen["elements"] and "img" not in seen["elements"], (where, seen["elements"])
            assert att["media_details"]["file"] in seen["text"], (where, seen["text"])
        self.media["xss"] = att

    def bulk_uploads(self, prefix, count, auth=None, seed=40):
        atts = []
        for i in range(count):
            src = os.path.join(self.s.tmp, f"{prefix}-{i}.jpg")
            subprocess.run(["php", os.path.join(HERE, "make-image.php"), src, "600", "400", str(seed + i)], check=True)
            atts.append(self.s.upload(src, f"{prefix}-{i}.jpg", "image/jpeg", auth=auth))
        for att in atts:
            self.wait_state(att["id"], "offloaded")
        return atts

    @check("Bulk action \"Send to offload again\" in Chromium: new events for exactly the ticked attachments, then offloaded again")
    def bulk_resend(self):
        atts = self.bulk_uploads("e2e-bulk", 3)
        self.quiet_outbox()
        chosen = [atts[0]["id"], atts[2]["id"]]
        before = self.sent_log()
        result = self.browser([["list", "e2e-bulk"], ["bulk", chosen], ["rows", [a["id"] for a in atts]], ["screenshot", "media-list-bulk.png"]])
        assert result[1]["notice"] == "2 attachments queued to be sent to offload again.", result[1]
        self.quiet_outbox()
        new = self.new_entries(before, self.sent_log())
        assert sorted(e["attachmentId"] for e in new) == sorted(chosen), f"new events: {new}"
        assert all(e["type"] == "attachment.uploaded" and e["status"] == 202 for e in new), new
        for att_id in chosen:
            view = self.wait_state(att_id, "offloaded")
            assert view["resends"] == 0 and all(j["polls"] >= 1 for j in view["jobs"]), view
        self.media["bulk"] = atts

    @check("Capability: an author cannot resend another user's attachment (no checkbox, no link, skipped with a real nonce); a missing or wrong nonce changes nothing")
    def resend_capability(self):
        admin_att = self.media["bulk"][1]["id"]
        author_id, author_auth = self.author()
        own = self.bulk_uploads("e2e-bulk-author", 1, auth=author_auth, seed=50)[0]["id"]
        self.quiet_outbox()
        before = self.sent_log()
        steps = [["list", "e2e-bulk"], ["rows", [admin_att, own]],
                 ["forge", [admin_att], "page"], ["forge", [admin_att, own], "missing"], ["forge", [admin_att, own], "wrong"],
                 ["list", "e2e-bulk"], ["link", own, "wrong"]]
        result = self.browser(steps, user="e2e-author", password="e2e-e2e-author-password")
        rows = result[1]
        assert rows[str(admin_att)] and not rows[str(admin_att)]["checkbox"], "the author can tick the admin's attachment"
        assert "Send to offload again" not in rows[str(admin_att)]["actions"], rows[str(admin_att)]
        assert rows[str(own)]["checkbox"] and "Send to offload again" in rows[str(own)]["actions"], rows[str(own)]
        forged, missing, wrong = result[2], result[3], result[4]
        assert forged["hadNonce"] and forged["status"] == 200, forged
        assert forged["notice"] == "0 attachments queued to be sent to offload again. 1 skipped: you may not edit it.", forged
        for attempt in (missing, wrong):
            assert attempt["status"] == 403 and attempt["notice"] is None, attempt
        link = result[6]
        assert link["href"] and link["status"] == 403 and link["notice"] is None, link
        # Nothing was queued by any of it: no outbox row, no event, for either attachment.
        self.s.traffic()
        time.sleep(2)
        q = json.loads(self.s.wp("queue"))
        assert not [r for r in q["rows"] if int(r["attachment_id"]) in (admin_att, own)], q["rows"]
        assert self.new_entries(before, self.sent_log()) == [], self.new_entries(before, self.sent_log())
        # With the page's nonce the author resends their own.
        result = self.browser([["list", "e2e-bulk"], ["forge", [own], "page"]], user="e2e-author", password="e2e-e2e-author-password")
        assert result[1]["notice"] == "1 attachment queued to be sent to offload again.", result[1]
        self.quiet_outbox()
        new = self.new_entries(before, self.sent_log())
        assert [e["attachmentId"] for e in new] == [own], new

    @check("Report: `wp media-offload report --format=json` and the status panel show the counts of reports/{runId}.json in the control bucket")
    def report_matches(self):
        run_id = self.media["backfill"]
        stored = self.control_report(run_id)
        out = self.s.wp("cli", "report", "--format=json")
        served = json.loads(out)
        assert served == stored, f"the route's report differs from the bucket's: {json.dumps(served)[:300]} vs {json.dumps(stored)[:300]}"
        text = self.s.wp("cli", "report", run_id)
        assert f"drift:        {stored['drift']}" in text and f"failures:     {stored.get('failureCount', 0)}" in text, text
        for action, planned in stored["planned"].items():
            assert re.search(rf"^{re.escape(action)}\s+{planned}\s+{stored.get('done', {}).get(action, 0)}$", text, re.M), (action, text)
        p = self.s.wp("cli", "report", "backfill-20000101T000000Z-00000000", check=False)
        assert p.returncode == 1 and "no report" in p.stderr, p.stderr
        p = self.s.wp("cli", "report", "../jobs/x", check=False)
        assert p.returncode == 1 and "Not a run id" in p.stderr, p.stderr
        page = self.admin_page(self.s.wp_url, "/wp-admin/options-general.php?page=media-offload")
        assert "this site cannot read it" not in page
        rows = {m.group(1): (int(m.group(2)), int(m.group(3))) for m in re.finditer(
            r'<tr data-action="([^"]+)"><th>[^<]*</th><td class="planned">(\d+)</td><td class="done">(\d+)</td></tr>', page)}
        actions = set(stored["planned"]) | set(stored.get("done", {}))
        assert rows == {a: (stored["planned"].get(a, 0), stored.get("done", {}).get(a, 0)) for a in actions}, rows
        m = re.search(r'id="media-offload-report-drift" data-drift="(\d+)" data-in-sync="(true|false)" data-failures="(\d+)"', page)
        assert m and (int(m.group(1)), m.group(2) == "true", int(m.group(3))) == (stored["drift"], stored["inSync"], stored.get("failureCount", 0)), m and m.groups()
        # The panel's counts of attachments by state are the CLI's (read before and after, as a job may finish between).
        cli = [re.search(r"attachments:  (\d+) offloaded, (\d+) pending, (\d+) failed, (\d+) unknown", self.s.wp("cli", "status")).groups()]
        page = self.admin_page(self.s.wp_url, "/wp-admin/options-general.php?page=media-offload")
        cli.append(re.search(r"attachments:  (\d+) offloaded, (\d+) pending, (\d+) failed, (\d+) unknown", self.s.wp("cli", "status")).groups())
        summary = re.search(r'id="media-offload-states" data-offloaded="(\d+)" data-pending="(\d+)" data-failed="(\d+)" data-unknown="(\d+)"', page)
        assert summary and summary.groups() in cli and int(summary.group(1)) > 0, (summary and summary.groups(), cli)
        log(f"     {run_id}: {len(rows)} actions, drift {stored['drift']}; attachments {summary.groups()}")

    @check("Pixel bomb: a 5000x5000 PNG over Variants:MaxPixels shows failed with the reason, and is neither resent nor polled again")
    def pixel_bomb(self):
        self.s.stop("service")
        self.s.start_service(Offload__Variants__MaxPixels="20000000")
        try:
            src = os.path.join(self.s.tmp, "e2e-bomb.png")
            subprocess.run(["php", "-d", "memory_limit=1G", os.path.join(HERE, "make-image.php"), src, "5000", "5000", "7"], check=True)
            att = self.s.upload(src, "e2e-bomb.png", "image/png")
            view = self.wait_state(att["id"], "failed", timeout=WAIT * 3)
            assert view["reasonCode"] == "variant_failed" and "over the limit of 20000000" in view["label"], view["label"]
            # The 25 MP original fails; WordPress 6.8 also makes a -scaled copy (the attached file), which does not.
            names = {os.path.basename(att["media_details"]["file"]), att["media_details"].get("original_image")} - {None}
            assert any(view["label"].startswith(f"Failed: {n} (") for n in names), (view["label"], names)
            assert all(not j["retryable"] and j["state"] == "failed" for j in view["jobs"]), view["jobs"]
            rows = self.browser([["list", "e2e-bomb"], ["rows", [att["id"]]], ["screenshot", "media-list-failed.png"]])[1]
            row = rows[str(att["id"])]
            assert row and row["state"] == "failed" and row["text"].startswith("Failed: ") and "pixels" in row["text"], row
            # Several cron runs later: not sent again, not polled again.
            polls = sum(j["polls"] for j in view["jobs"])
            before = self.events_for(att["id"])
            for _ in range(3):
                for hook in ("media_offload_poll", "media_offload_sweep", "media_offload_dispatch"):
                    self.s.wp("cron", hook, "now")
                self.s.traffic()
                time.sleep(2)
            after = self.status_of(att["id"])
            assert after["state"] == "failed" and sum(j["polls"] for j in after["jobs"]) == polls, (polls, after["jobs"])
            assert after["resends"] == 0, after
            assert self.events_for(att["id"]) == before, f"new events: {self.events_for(att['id'])}"
            assert json.loads(self.s.wp("meta", str(att["id"]), "_media_offload_next_poll")) == ""
            log(f"     {view['label'][:120]}; {polls} polls, no resend")
        finally:
            self.s.stop("service")
            self.s.start_service()

    def run(self):
        self.status_mu_plugin()
        self.cli()
        self.endpoint_environment()
        self.upload_jpeg()
        self.upload_png()
        if "jpeg" in self.media:
            self.status_offloaded()
            self.urls()
            self.webp_fallback()
            self.avif_fallback()
            self.edit()
        if "png" in self.media:
            self.delete()
        self.outage()
        self.status_outage()
        self.hostile()
        self.hostile_raw()
        self.status_escaped()
        self.bulk_resend()
        if "bulk" in self.media:
            self.resend_capability()
        if "jpeg" in self.media:
            self.reserved_variant_name()
        self.nfc_nfd_pair()
        self.nfd_owner_pair()
        if "nfd_owner" in self.media:
            self.schema_upgrade()
        self.manifest_auth()
        self.manifest_pages()
        # Reconcile and backfill while a contested pair is live: the NFD owner, listed by its on-disk url, and the
        # NFC file beside it that the manifest leaves out.
        self.zero_drift()
        self.backfill()
        if "backfill" in self.media:
            self.report_matches()
        if "nfd_owner" in self.media:
            self.claim_after_owner_delete()
        # After the reconcile and backfill checks, which a variant that can never be made would fail.
        self.pixel_bomb()
        self.settings_page()
        if "post" in self.media:
            self.hostile_key_prefix()
        self.intl_activation()
        if "hostile2raw" in self.media:
            self.intl_inert()
        self.uninstall()


def run_script(label, stack, start, run, artifacts=ARTIFACTS):
    """One E2E script from start to end: `start(started)` brings the stack up, `run()` runs the checks, and the stack
    is torn down whatever happened. A stack that breaks counts as one failure. Returns the exit code."""
    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    started = time.time()
    try:
        start(started)
        run()
    except BaseException as e:  # noqa: BLE001 - a broken stack is one failure, and teardown still runs
        results.append(("stack", False))
        log(f"FAIL stack: {e}")
        with open(os.path.join(artifacts, "e2e-failures.log"), "a") as f:
            f.write(traceback.format_exc())
    finally:
        stack.teardown()
    passed = sum(1 for _, ok in results if ok)
    failed = sum(1 for _, ok in results if not ok)
    log(f"{label}: {passed} passed, {failed} failed in {time.time() - started:.0f}s")
    return 1 if failed else 0


def main():
    os.makedirs(ARTIFACTS, exist_ok=True)
    stack = Stack()

    def start(started):
        log("E2E: starting MariaDB, WordPress, moto_server and the service on 127.0.0.1")
        stack.start_stack()
        log(f"E2E: stack up in {time.time() - started:.0f}s (WordPress {stack.wp_url}, service {stack.api_url})")

    return run_script("E2E", stack, start, lambda: Suite(stack).run())


if __name__ == "__main__":
    sys.exit(main())
