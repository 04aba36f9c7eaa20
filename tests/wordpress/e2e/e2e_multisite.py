#!/usr/bin/env python3
"""End-to-end tests of the plugin on a two-site subdirectory network (docs/plugin.md, "Multisite").

MariaDB, a fresh copy of Debian's WordPress on php -S (with router-multisite.php for the network's rewrite rules),
moto_server and the service built from functions/ run on 127.0.0.1, on free ports. The network is made the way
Network Setup makes one (wp-network.php install), the plugin is network-activated, and the second site is added
afterwards. The service lists both sites under Offload:Sites, each with its own secret and key space. Site 1 keeps
its secret in its settings, site 2 gets its own from MEDIA_OFFLOAD_SITE_SECRETS in wp-config.php.

Prints one line per check and "E2E multisite: N passed, N failed"; exits non-zero on a failure. Everything it started
is stopped by its process group at the end. Artifacts: tests/wordpress/artifacts/multisite/.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import e2e  # noqa: E402 - the shared helpers: http, signed_get, wait_for, free_port, check, log, run_script
from e2e import ImgParser, check, http, log, md5_of, signed_get, wait_for  # noqa: E402


TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(TESTS))
ARTIFACTS = os.path.join(TESTS, "artifacts", "multisite")
# check() writes its tracebacks to e2e.ARTIFACTS; ours go here.
e2e.ARTIFACTS = ARTIFACTS
PLUGIN = os.path.join(REPO, "wordpress", "media-offload")
API_DLL = os.path.join(REPO, "functions/MediaOffload.Api/bin/Release/net10.0/MediaOffload.Api.dll")
SECRETS = {1: "e2e-site-one-secret-" + "1a2b3c4d" * 4, 2: "e2e-site-two-secret-" + "5e6f7a8b" * 4}
# Unbound: the service's own, which no site knows (docs/status.md, "Sites and their secrets").
OPERATOR_SECRET = "e2e-operator-secret-" + "9c0d1e2f" * 4
CDN = "cdn.e2e.test"
MEDIA_BUCKET, CONTROL_BUCKET = e2e.MEDIA_BUCKET, e2e.CONTROL_BUCKET
PREFIX = "wp-content/uploads/"
WAIT = float(os.environ.get("E2E_WAIT", "120"))
# WordPress serves a subdirectory site's uploads below its own path (/site2/wp-content/uploads/sites/2/…) unless
# wp-config.php sets WP_CONTENT_URL; E2E_MS_CONTENT_URL=network sets it to the network's root (/wp-content/…).
CONTENT_URL = os.environ.get("E2E_MS_CONTENT_URL", "site")


def service_headers(method, target, secret, body=b""):
    """The headers the plugin signs a request to the service with (docs/signing.md, audience "service")."""
    ts = str(int(time.time()))
    canonical = "\n".join(["v2", "service", ts, method, target, hashlib.sha256(body).hexdigest()])
    return {"X-MediaOffload-Timestamp": ts,
            "X-MediaOffload-Signature": "v2=" + hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()}


class Network(e2e.Stack):
    """A two-site subdirectory network: e2e.Stack's processes and parts, with a network installed instead of a site."""

    def __init__(self):
        super().__init__()
        self.site_urls = {1: self.wp_url, 2: self.wp_url + "/site2"}

    def settings(self, site):
        settings = {"endpoint": self.api_url, "cdn_domain": CDN, "key_prefix": "wp-content/uploads", "rewrite_urls": True}
        if site == 1:
            settings["secret"] = SECRETS[1]  # site 2's comes from MEDIA_OFFLOAD_SITE_SECRETS
        return json.dumps(settings)

    def install_network(self):
        # The same tree setting as e2e.py (docs/plugin.md, "Tests"): run.sh runs the network on the newest WordPress.
        shutil.copytree(os.environ.get("MO_WP_TREE", "/usr/share/wordpress"), self.wp_dir, symlinks=False, ignore=shutil.ignore_patterns(".htaccess"))
        os.symlink(PLUGIN, os.path.join(self.wp_dir, "wp-content/plugins/media-offload"))
        os.makedirs(os.path.join(self.wp_dir, "wp-content/mu-plugins"))
        with open(os.path.join(self.wp_dir, "wp-content/mu-plugins/e2e.php"), "w") as f:
            f.write("<?php\nadd_filter( 'media_offload_retry_delay', function () { return 2; } );\n")
        flag = os.path.join(self.wp_dir, "e2e-network")
        with open(os.path.join(self.wp_dir, "wp-config.php"), "w") as f:
            f.write(f"""<?php
define( 'DB_NAME', 'wp' );
define( 'DB_USER', 'wp' );
define( 'DB_PASSWORD', 'wp-password' );
define( 'DB_HOST', '127.0.0.1:{self.db_port}' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
define( 'WP_ENVIRONMENT_TYPE', 'local' );
define( 'WP_CONTENT_DIR', __DIR__ . '/wp-content' );
define( 'FS_METHOD', 'direct' );
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_DISPLAY', false );
define( 'WP_DEBUG_LOG', '{os.path.join(ARTIFACTS, 'wp-debug.log')}' );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'WP_AUTO_UPDATE_CORE', false );
define( 'WP_ALLOW_MULTISITE', true );
{f"define( 'WP_CONTENT_URL', '{self.wp_url}/wp-content' );" if CONTENT_URL == "network" else "// WP_CONTENT_URL: WordPress's default"}
// Written once wp-network.php install has made the network's tables, as Network Setup tells an operator to.
if ( file_exists( __DIR__ . '/e2e-network' ) ) {{
	define( 'MULTISITE', true );
	define( 'SUBDOMAIN_INSTALL', false );
	define( 'DOMAIN_CURRENT_SITE', '127.0.0.1:{self.wp_port}' );
	define( 'PATH_CURRENT_SITE', '/' );
	define( 'SITE_ID_CURRENT_SITE', 1 );
	define( 'BLOG_ID_CURRENT_SITE', 1 );
}}
// Site 2 signs with its own secret although this file is the network's (docs/plugin.md, "Multisite").
define( 'MEDIA_OFFLOAD_SITE_SECRETS', array( 2 => '{SECRETS[2]}' ) );
""")
            for i, name in enumerate(["AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT",
                                      "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT"]):
                f.write(f"define( '{name}', '{hashlib.sha256(f'{name}{i}{self.tmp}'.encode()).hexdigest()}' );\n")
            f.write("$table_prefix = 'wp_';\nif ( ! defined( 'ABSPATH' ) ) { define( 'ABSPATH', __DIR__ . '/' ); }\n"
                    "require_once ABSPATH . 'wp-settings.php';\n")
        self.wp("install", self.settings(1))
        open(flag, "w").close()
        self.app = json.loads(self.wp("app-password").strip().splitlines()[-1])
        self.activation = json.loads(self.wp("network-activate").strip().splitlines()[-1])
        # Added after the network activation: wp_initialize_site must set it up.
        self.site2 = json.loads(self.wp("create-site", "site2", "Second site", self.settings(2)).strip().splitlines()[-1])
        self.uploads = {site: json.loads(self.wp("uploads", site=site).strip().splitlines()[-1]) for site in (1, 2)}
        self.start_wordpress()

    def start_wordpress(self):
        env = dict(self.env, PHP_CLI_SERVER_WORKERS="4")
        self.start("wordpress", ["php", "-d", "upload_max_filesize=64M", "-d", "post_max_size=64M", "-d", "memory_limit=512M",
                                 "-S", f"127.0.0.1:{self.wp_port}", "-t", self.wp_dir, os.path.join(HERE, "router-multisite.php")],
                   env=env, cwd=self.wp_dir)
        wait_for(lambda: http("GET", self.wp_url + "/wp-login.php")[0] == 200, "WordPress", timeout=30)
        wait_for(lambda: http("GET", self.site_urls[2] + "/wp-login.php")[0] == 200, "WordPress (site 2)", timeout=30)

    def start_service(self):
        env = dict(os.environ, ASPNETCORE_URLS=self.api_url, AWS_EC2_METADATA_DISABLED="true",
                   AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_REGION="us-east-1",
                   Logging__LogLevel__Default="Information", Offload__Role="local",
                   Offload__MediaBucket=MEDIA_BUCKET, Offload__ControlBucket=CONTROL_BUCKET,
                   Offload__S3__ServiceUrl=self.s3_url, Offload__SigningSecrets__0=OPERATOR_SECRET,
                   Offload__AllowedOrigins__0=self.wp_url, Offload__AllowHttp="true",
                   Offload__AllowPrivateNetworks="true")
        for n, site in enumerate((1, 2)):
            env[f"Offload__Sites__{n}__Url"] = self.site_urls[site]
            env[f"Offload__Sites__{n}__KeySpace"] = "" if site == 1 else f"sites/{site}"
            env[f"Offload__Sites__{n}__SigningSecrets__0"] = SECRETS[site]
        # Each site's uploads base is its URL plus /wp-content/uploads, as WordPress serves it by default: the
        # service derives one per site, so the network needs no UploadsUrls (docs/plugin.md, "Multisite").
        for site in (1, 2):
            base, tail = self.uploads[site]["baseurl"], "" if site == 1 else f"/sites/{site}"
            assert base == self.site_urls[site].rstrip("/") + "/wp-content/uploads" + tail, f"site {site} keeps its uploads at {base}"
        self.start("service", ["dotnet", API_DLL], env=env, cwd=os.path.dirname(API_DLL))
        wait_for(lambda: http("GET", self.api_url + "/healthz")[0] == 200, "the service", timeout=60)

    # -- helpers ---------------------------------------------------------------------------------------------
    def wp(self, *args, site=1, check=True):
        env = dict(self.env, WP_URL=self.site_urls[site])
        p = subprocess.run(["php", os.path.join(HERE, "wp-network.php"), *args], env=env, capture_output=True, text=True,
                           timeout=120)
        with open(os.path.join(ARTIFACTS, "wp-commands.log"), "a") as f:
            f.write(f"$ [site {site}] wp-network.php {' '.join(args)}\n{p.stdout}{p.stderr}(exit {p.returncode})\n")
        if check and p.returncode != 0:
            raise AssertionError(f"wp-network.php {args[0]} on site {site} failed ({p.returncode}): {p.stderr.strip() or p.stdout.strip()}")
        return p.stdout if check else p

    def diagnose(self):
        """Each site's outbox, sent log and cron, into wp-commands.log, when something did not arrive."""
        for site in (1, 2):
            for args in (("queue",), ("option", "media_offload_log"), ("option", "cron")):
                self.wp(*args, site=site, check=False)

    def auth(self, app=None):
        app = app or self.app
        return {"Authorization": "Basic " + base64.b64encode(f"{app['user']}:{app['appPassword']}".encode()).decode()}

    def keys(self):
        keys = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=MEDIA_BUCKET):
            for o in page.get("Contents", []):
                keys[o["Key"]] = o
        return keys

    def traffic(self):
        """Visitors on both sites: each page view lets that site's WP-Cron spawn."""
        for url in self.site_urls.values():
            try:
                http("GET", url + "/", timeout=10)
            except Exception:  # noqa: BLE001
                pass

    def upload(self, site, local_file, filename):
        with open(local_file, "rb") as f:
            data = f.read()
        headers = dict(self.auth(), **{"Content-Type": "image/jpeg", "Content-Disposition": f'attachment; filename="{filename}"'})
        status, body, _ = http("POST", self.site_urls[site] + "/wp-json/wp/v2/media", data, headers, timeout=120)
        if status != 201:
            raise AssertionError(f"upload of {filename} to site {site} answered {status}: {body[:500]!r}")
        return json.loads(body)

    def site_files(self, site, relative_file):
        """Every file WordPress wrote for an upload, found on the site's disk by its stem: the independent oracle."""
        basedir = self.uploads[site]["basedir"]
        folder = os.path.join(basedir, os.path.dirname(relative_file))
        stem = re.sub(r"-scaled$", "", os.path.splitext(os.path.basename(relative_file))[0])
        return sorted(os.path.relpath(os.path.join(folder, n), basedir) for n in os.listdir(folder)
                      if n == os.path.basename(relative_file) or n.startswith(stem + "-") or n.startswith(stem + "."))

    def key_space(self, site):
        return PREFIX + ("" if site == 1 else f"sites/{site}/")

    def login(self, base, user, password):
        """A cookie session on one site, that follows no redirect (their Location is checked instead)."""
        class Stay(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), Stay)
        opener.open(base + "/wp-login.php", timeout=30).read()
        form = urllib.parse.urlencode({"log": user, "pwd": password, "wp-submit": "Log In", "testcookie": "1"}).encode()
        try:
            opener.open(base + "/wp-login.php", form, timeout=30)
        except urllib.error.HTTPError as e:
            assert e.code == 302, f"login of {user} answered {e.code}"

        def get(url, data=None):
            try:
                with opener.open(url, data, timeout=60) as r:
                    return r.status, r.read().decode("utf-8", "replace"), dict(r.headers)
            except urllib.error.HTTPError as e:
                return e.code, e.read().decode("utf-8", "replace"), dict(e.headers)
        return get


class Suite:
    def __init__(self, net):
        self.n = net
        self.media = {}

    def expected_keys(self, site, files):
        keys = {self.n.key_space(site) + f for f in files}
        return keys | {k + s for k in keys if k.lower().endswith((".jpg", ".jpeg", ".png", ".gif")) for s in (".avif", ".webp")}

    @check("Network activation sets up the main site; a site created afterwards has its tables before its first request")
    def activation(self):
        a = self.n.activation
        assert a["network"] is True, a
        assert sorted(a["tables"]) == ["wp_media_offload_files", "wp_media_offload_queue"], a
        s = self.n.site2
        assert s["id"] == 2 and s["home"] == self.n.site_urls[2], s
        assert sorted(s["tables"]) == ["wp_2_media_offload_files", "wp_2_media_offload_queue"], f"wp_initialize_site did not set site 2 up: {s}"
        up = self.n.uploads
        assert up[1]["basedir"].endswith("/wp-content/uploads") and up[2]["basedir"] == up[1]["basedir"] + "/sites/2", up
        log(f"     site 2 uploads at {up[2]['baseurl']}")

    @check("Upload on each site (REST): every file lands in its own key space with .avif and .webp, none in the other's")
    def uploads(self):
        for site in (1, 2):
            src = os.path.join(self.n.tmp, f"ms-photo-{site}.jpg")
            subprocess.run(["php", os.path.join(HERE, "make-image.php"), src, "1200", "800", str(site)], check=True)
            att = self.n.upload(site, src, f"ms-photo-{site}.jpg")
            files = self.n.site_files(site, att["media_details"]["file"])
            assert len(files) >= 4, files
            self.media[site] = (att, files)
        want = {site: self.expected_keys(site, files) for site, (_, files) in self.media.items()}
        originals = {self.n.key_space(site) + f for site, (_, files) in self.media.items() for f in files}
        started = time.time()
        try:
            wait_for(lambda: originals <= set(self.n.keys()), f"{len(originals)} originals", timeout=WAIT, tick=self.n.traffic)
            originals_after = time.time() - started
            wait_for(lambda: (want[1] | want[2]) <= set(self.n.keys()), f"{len(want[1] | want[2])} objects", timeout=WAIT, tick=self.n.traffic)
        except AssertionError as e:
            self.n.diagnose()
            raise AssertionError(f"{e}; missing {sorted((want[1] | want[2]) - set(self.n.keys()))[:6]}") from None
        keys = set(self.n.keys())
        assert keys == want[1] | want[2], f"unexpected objects: {sorted(keys - want[1] - want[2])[:5]}"
        assert not any(k.startswith(PREFIX + "sites/") for k in want[1]), sorted(want[1])[:3]
        assert all(k.startswith(PREFIX + "sites/2/") for k in want[2]), sorted(want[2])[:3]
        for site, (_, files) in self.media.items():
            for f in files:
                head = self.n.s3.head_object(Bucket=MEDIA_BUCKET, Key=self.n.key_space(site) + f)
                assert head["Metadata"].get("source-md5") == md5_of(os.path.join(self.n.uploads[site]["basedir"], f)), f
                assert head["Metadata"].get("attachment-id") == str(self.media[site][0]["id"]), (f, head["Metadata"])
        # Each site's event named the site by its home URL and was accepted.
        for site in (1, 2):
            entries = json.loads(self.n.wp("option", "media_offload_log", site=site)) or []
            sent = [e for e in entries if e["attachmentId"] == self.media[site][0]["id"] and e["status"] == 202]
            assert sent and re.fullmatch(r"j-[0-9a-f]{32}", sent[0]["detail"]), entries
            self.media[f"job{site}"] = sent[0]["detail"]
        log(f"     site 1: {len(want[1])} objects under {PREFIX}, site 2: {len(want[2])} under {PREFIX}sites/2/; "
            f"originals after {originals_after:.0f}s, variants after {time.time() - started:.0f}s")

    @check("Manifest: each site lists only its own files, with the URLs WordPress serves them at")
    def manifests(self):
        for site in (1, 2):
            status, body, _ = signed_get(self.n.site_urls[site] + "/wp-json/media-offload/v1/manifest?cursor=&limit=1000", secret=SECRETS[site])
            assert status == 200, (site, status, body[:300])
            files = json.loads(body)["files"]
            paths = sorted(f["path"] for f in files)
            want = sorted(("" if site == 1 else "sites/2/") + f for f in self.media[site][1])
            assert paths == want, (site, paths[:3], want[:3])
            for f in files[:2]:
                assert f["url"].startswith(self.n.uploads[site]["baseurl"] + "/"), f["url"]
                status, data, _ = http("GET", f["url"])
                assert status == 200 and hashlib.md5(data).hexdigest() == f["md5"], (f["url"], status)

    @check("Secrets: site 2's secret opens neither site 1's manifest (401) nor its job (404); each site's own secret opens both")
    def secrets(self):
        manifest = "/wp-json/media-offload/v1/manifest?cursor=&limit=10"
        for site, other in ((1, 2), (2, 1)):
            status, body, _ = signed_get(self.n.site_urls[site] + manifest, secret=SECRETS[other])
            assert status == 401, f"site {other}'s secret read site {site}'s manifest: {status} {body[:200]!r}"
            status, _, _ = signed_get(self.n.site_urls[site] + manifest, secret=SECRETS[site])
            assert status == 200, (site, status)
        # The service's job status: a site sees its own jobs only, and learns nothing of the others'.
        for site, other in ((1, 2), (2, 1)):
            target = f"/v1/jobs/{self.media[f'job{site}']}"
            status, body, _ = http("GET", self.n.api_url + target, headers=service_headers("GET", target, SECRETS[other]))
            assert status == 404, f"site {other}'s secret got site {site}'s job: {status} {body[:300]!r}"
            status, body, _ = http("GET", self.n.api_url + target, headers=service_headers("GET", target, SECRETS[site]))
            assert status == 200, (site, status, body[:300])
            job = json.loads(body)
            assert job["site"] == self.n.site_urls[site], job.get("site")
            assert all(f["key"].startswith(self.n.key_space(site)) for f in job["files"]), [f["key"] for f in job["files"]][:3]
            time.sleep(1)  # a fresh timestamp, so no signature is sent twice (docs/signing.md, "Single use")

    @check("URLs: a published post on each site renders its image from the CDN, in that site's key space")
    def urls(self):
        for site in (1, 2):
            att, files = self.media[site]
            local = self.n.uploads[site]["baseurl"] + "/" + next(f for f in files if "-1024x" in f)
            content = (f'<!-- wp:image {{"id":{att["id"]},"sizeSlug":"large"}} --><figure class="wp-block-image size-large">'
                       f'<img src="{local}" alt="" class="wp-image-{att["id"]}"/></figure><!-- /wp:image -->')
            status, body, _ = http("POST", self.n.site_urls[site] + "/wp-json/wp/v2/posts",
                                   json.dumps({"title": f"CDN post {site}", "status": "publish", "content": content}).encode(),
                                   dict(self.n.auth(), **{"Content-Type": "application/json"}))
            assert status == 201, (site, status, body[:300])
            link = json.loads(body)["link"]
            assert link.startswith(self.n.site_urls[site] + "/"), link
            status, page, _ = http("GET", link)
            assert status == 200, (link, status)
            with open(os.path.join(ARTIFACTS, f"post-site{site}.html"), "wb") as f:
                f.write(page)
            parser = ImgParser()
            parser.feed(page.decode("utf-8"))
            img = next((i for i in parser.imgs if f"wp-image-{att['id']}" in i.get("class", "")), None)
            assert img, f"the image is not in site {site}'s post"
            cdn = f"https://{CDN}/{self.n.key_space(site)}"
            srcset = [c.strip().split(" ")[0] for c in img.get("srcset", "").split(",") if c.strip()]
            assert img["src"].startswith(cdn) and srcset and all(u.startswith(cdn) for u in srcset), (site, img)
            if site == 1:
                assert not any(u.startswith(f"https://{CDN}/{PREFIX}sites/") for u in [img["src"], *srcset]), img
            status, body, _ = http("GET", f"{self.n.site_urls[site]}/wp-json/wp/v2/media/{att['id']}")
            assert json.loads(body)["source_url"].startswith(cdn), (site, json.loads(body)["source_url"])

    @check("Variant fallback: site 2's <file>.jpg.avif is answered with the original, at its own URL and at the key's path on the main site")
    def variant_fallback(self):
        _, files = self.media[2]
        rel = next(f for f in files if "-300x" in f)
        with open(os.path.join(self.n.uploads[2]["basedir"], rel), "rb") as f:
            original = f.read()
        for url in (f"{self.n.uploads[2]['baseurl']}/{rel}.avif", f"{self.n.wp_url}/{PREFIX}sites/2/{rel}.avif"):
            status, body, headers = http("GET", url)
            assert status == 200 and headers.get("X-Media-Offload") == "avif-fallback-original" and body == original, (url, status, headers.get("X-Media-Offload"))
        # A name in site 2's folder that site 2 does not own: nothing.
        status, _, headers = http("GET", f"{self.n.wp_url}/{PREFIX}sites/2/2001/01/none.jpg.avif")
        assert headers.get("X-Media-Offload") is None, status

    def control_report(self, run_id):
        def fetch():
            try:
                return json.loads(self.n.s3.get_object(Bucket=CONTROL_BUCKET, Key=f"reports/{run_id}.json")["Body"].read())
            except self.n.s3.exceptions.NoSuchKey:
                return None
        return wait_for(fetch, f"reports/{run_id}.json", timeout=WAIT, interval=0.3)

    def backfill(self, site, body):
        data = json.dumps(body).encode()
        headers = dict(service_headers("POST", "/v1/backfill", SECRETS[site], data), **{"Content-Type": "application/json"})
        status, answer, _ = http("POST", self.n.api_url + "/v1/backfill", data, headers, timeout=60)
        assert status == 202, (site, status, answer[:500])
        run_id = json.loads(answer)["runId"]
        report = self.control_report(run_id)
        with open(os.path.join(ARTIFACTS, f"report-site{site}-{run_id}.json"), "w") as f:
            json.dump(report, f, indent=2)
        return run_id, report

    @check("Reconcile per site: each site's signed backfill reports zero drift; the main site's run, deletes on, deletes nothing of site 2's")
    def reconcile(self):
        site2_before = {k: (o["ETag"], o["Size"]) for k, o in self.n.keys().items() if k.startswith(PREFIX + "sites/2/")}
        assert site2_before, "site 2 has no objects"
        for site in (2, 1):
            body = {"action": "backfill", "dryRun": False}
            if site == 1:
                body["delete"] = True  # the main site's key space is everything but the subsites': they must survive
            run_id, report = self.backfill(site, body)
            assert report["inSync"] is True and report["drift"] == 0, (site, report.get("drift"), report.get("planned"), report.get("failures"))
            if "site" in report:
                assert report["site"] == self.n.site_urls[site], (site, report["site"])
            deletes = {a: n for a, n in (report.get("planned") or {}).items() if "delete" in a.lower() and n}
            assert not deletes, (site, deletes)
            log(f"     site {site}: {run_id} planned {json.dumps(report.get('planned'))}")
            time.sleep(1)
        after = {k: (o["ETag"], o["Size"]) for k, o in self.n.keys().items() if k.startswith(PREFIX + "sites/2/")}
        assert after == site2_before, f"site 2's objects changed: {sorted(set(site2_before) ^ set(after))[:5]}"

    @check("Scheduled reconcile (POST /events/reconcile) runs every site in sync and leaves each site's objects alone")
    def scheduled_reconcile(self):
        before = {k: o["ETag"] for k, o in self.n.keys().items()}
        status, body, _ = http("POST", self.n.api_url + "/events/reconcile", json.dumps({"action": "reconcile"}).encode(),
                               {"Content-Type": "application/json"}, timeout=180)
        assert status == 200, (status, body[:800])
        answer = json.loads(body)
        with open(os.path.join(ARTIFACTS, "scheduled-reconcile.json"), "w") as f:
            json.dump(answer, f, indent=2)
        # One run per site (docs/status.md); a run that continues in another invocation reports to the control bucket.
        reports, runs = [], []

        def collect(node):
            if isinstance(node, dict):
                if "inSync" in node and "drift" in node:
                    reports.append(node)
                elif isinstance(node.get("runId"), str) and node.get("report") is None:
                    runs.append(node["runId"])
                # {"status":"started","started":[runIds]}: one run per site (docs/reconcile.md, "Sites").
                runs.extend(r for r in node.get("started") or [] if isinstance(r, str))
                for value in node.values():
                    collect(value)
            elif isinstance(node, list):
                for value in node:
                    collect(value)
        collect(answer)
        reports += [self.control_report(run_id) for run_id in runs]
        assert len(reports) == 2, f"{len(reports)} reports for two sites: {body[:500]!r}"
        assert all(r["inSync"] is True and r["drift"] == 0 for r in reports), [(r.get("site"), r.get("drift"), r.get("planned")) for r in reports]
        sites = {r.get("site") for r in reports if r.get("site")}
        assert not sites or sites == set(self.n.site_urls.values()), f"reconciled sites {sites}"
        assert {k: o["ETag"] for k, o in self.n.keys().items()} == before, "the reconcile changed objects"
        log(f"     {len(reports)} report(s): {sorted(s for s in sites)}")

    @check("Network Admin page: a super admin sees both sites with key space and secret source, never a secret; Retry now re-sends one site's outbox")
    def network_page(self):
        # An event the service refused, in site 2's outbox only: a .php path it never takes (422 again on retry).
        bogus = {"type": "attachment.uploaded", "site": self.n.site_urls[2], "attachmentId": 999999,
                 "files": [{"path": "sites/2/2026/12/e2e.php", "url": self.n.uploads[2]["baseurl"] + "/2026/12/e2e.php",
                            "size": 1, "md5": "0" * 32, "mime": "image/jpeg", "modified": "2026-12-01T00:00:00Z"}]}
        parked = json.loads(self.n.wp("park-event", json.dumps(bogus), site=2).strip().splitlines()[-1])["id"]
        get = self.n.login(self.n.wp_url, "admin", "e2e-admin-password")
        status, page, _ = get(self.n.wp_url + "/wp-admin/network/settings.php?page=media-offload-network")
        with open(os.path.join(ARTIFACTS, "network-page.html"), "w") as f:
            f.write(page)
        assert status == 200 and 'id="media-offload-sites"' in page, (status, page[:300])
        for site in (1, 2):
            row = re.search(rf'<tr id="media-offload-site-{site}">(.*?)</tr>', page, re.S)
            assert row, f"no row for site {site}"
            assert f'<code class="media-offload-key-space">{self.n.key_space(site)}</code>' in row.group(1), row.group(1)[:400]
            source = "own (site settings)" if site == 1 else "own (MEDIA_OFFLOAD_SITE_SECRETS)"
            assert source in row.group(1), row.group(1)[:600]
            assert re.search(r"\d+ pending \(\d+ after a failed attempt\), \d+ refused", row.group(1)), row.group(1)[:600]
        assert not any(s in page for s in SECRETS.values()), "a secret is on the page"
        rows = {site: re.search(rf'<tr id="media-offload-site-{site}">(.*?)</tr>', page, re.S).group(1) for site in (1, 2)}
        assert "1 refused" in rows[2] and 'name="blog_id" value="2"' in rows[2], rows[2][-800:]
        assert 'name="blog_id"' not in rows[1], "site 1 has nothing to retry"
        # Retry now: the site's own nonce from the page; the action re-queues that site's outbox only.
        nonce = re.search(r'name="_wpnonce" value="([0-9a-f]+)"', rows[2]).group(1)
        action = self.n.wp_url + "/wp-admin/network/edit.php?action=media_offload_network_retry"
        status, _, _ = get(action, urllib.parse.urlencode({"blog_id": "1", "_wpnonce": nonce}).encode())
        assert status == 403, f"site 2's nonce retried site 1: {status}"
        status, _, headers = get(action, urllib.parse.urlencode({"blog_id": "2", "_wpnonce": nonce}).encode())
        assert status == 302 and "retried=1" in headers.get("Location", "") and "site=2" in headers.get("Location", ""), (status, headers.get("Location"))
        # Site 2's WP-Cron sends it again; the service refuses it again, and nothing else moved.
        wait_for(lambda: any(int(r["id"]) == parked and r["status"] == "failed" and int(r["attempts"]) >= 2 and "422" in (r["last_error"] or "")
                             for r in json.loads(self.n.wp("queue", site=2))["rows"]), "the retried event to be refused again",
                 timeout=WAIT, tick=self.n.traffic)
        assert json.loads(self.n.wp("queue", site=1))["rows"] == [], "site 1's outbox changed"

    @check("Site admin: site 2's administrator gets site 2's page only, not site 1's, not the Network Admin page or its action")
    def site_admin(self):
        user = json.loads(self.n.wp("site-user", "site2-admin", "2", "administrator").strip().splitlines()[-1])
        assert user["blogs"] == [2], user
        base2 = self.n.site_urls[2]
        get = self.n.login(base2, "site2-admin", "e2e-site2-admin-password")
        status, page, _ = get(base2 + "/wp-admin/options-general.php?page=media-offload")
        with open(os.path.join(ARTIFACTS, "site2-settings-page.html"), "w") as f:
            f.write(page)
        assert status == 200 and 'id="media-offload-settings"' in page, (status, page[:300])
        assert "Set by MEDIA_OFFLOAD_SITE_SECRETS" in page, "site 2's secret is not shown as set by MEDIA_OFFLOAD_SITE_SECRETS"
        assert not any(s in page for s in SECRETS.values()), "a secret is on the page"
        assert 'id="media-offload-sites"' not in page, "site 2's page lists sites"
        status, page, _ = get(self.n.wp_url + "/wp-admin/options-general.php?page=media-offload")
        assert status in (302, 403) or 'id="media-offload-settings"' not in page, f"site 1's page answered {status}"
        status, page, _ = get(self.n.wp_url + "/wp-admin/network/settings.php?page=media-offload-network")
        assert status in (302, 403) or 'id="media-offload-sites"' not in page, f"the network page answered {status}"
        status, page, _ = get(self.n.wp_url + "/wp-admin/network/edit.php?action=media_offload_network_retry",
                              urllib.parse.urlencode({"blog_id": "1"}).encode())
        assert status in (302, 403) and "retried=" not in (page or ""), f"the network action answered {status}"

    @check("Delete on site 2: its objects and variants go, site 1's stay byte for byte")
    def delete(self):
        att, files = self.media[2]
        gone = self.expected_keys(2, files)
        assert gone <= set(self.n.keys()), "site 2's objects are not in the bucket to begin with"
        site1 = {k: o["ETag"] for k, o in self.n.keys().items() if not k.startswith(PREFIX + "sites/")}
        status, body, _ = http("DELETE", f"{self.n.site_urls[2]}/wp-json/wp/v2/media/{att['id']}?force=true", headers=self.n.auth())
        assert status == 200, (status, body[:300])
        wait_for(lambda: not (gone & set(self.n.keys())), "site 2's objects to be deleted", timeout=WAIT, tick=self.n.traffic)
        assert {k: o["ETag"] for k, o in self.n.keys().items() if not k.startswith(PREFIX + "sites/")} == site1

    def run(self):
        self.activation()
        self.uploads()
        if 1 in self.media and 2 in self.media:
            self.manifests()
            self.secrets()
            self.urls()
            self.variant_fallback()
            self.reconcile()
            self.scheduled_reconcile()
        self.network_page()
        self.site_admin()
        if 2 in self.media:
            self.delete()


def main():
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    os.makedirs(ARTIFACTS, exist_ok=True)
    net = Network()

    def start(started):
        log("E2E multisite: starting MariaDB, a two-site network on php -S, moto_server and the service on 127.0.0.1")
        net.start_mariadb()
        net.start_moto()
        net.install_network()
        net.start_service()
        log(f"E2E multisite: stack up in {time.time() - started:.0f}s (network {net.wp_url}, site 2 {net.site_urls[2]}, service {net.api_url})")
        log(f"E2E multisite: uploads base URLs {net.uploads[1]['baseurl']}, {net.uploads[2]['baseurl']}")

    return e2e.run_script("E2E multisite", net, start, lambda: Suite(net).run(), ARTIFACTS)


if __name__ == "__main__":
    sys.exit(main())
