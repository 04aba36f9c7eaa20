#!/usr/bin/env bash
# The WordPress plugin's tests: php -l over every PHP file, PHPUnit unit tests, then the end-to-end suite against a
# real WordPress, MariaDB, moto_server and the service, all on 127.0.0.1, once per WordPress version below. Installs
# what is missing first, always tears down what it started, and ends with one "N passed, N failed" line over all of
# it. Artifacts: tests/wordpress/artifacts/ (each E2E run's log is e2e-LABEL.log, its files are in e2e-LABEL/).
set -uo pipefail
cd "$(dirname "$0")"
TESTS_DIR=$(pwd)
REPO=$(cd ../.. && pwd)
ARTIFACTS="$TESTS_DIR/artifacts"
rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"
started=$(date +%s)
export AWS_EC2_METADATA_DISABLED=true

passed=0
failed=0
e2e_pid=
cleanup() {
  # The E2E suite tears its stack down itself; this covers an interrupt that reaches us first.
  if [ -n "$e2e_pid" ] && kill -0 "$e2e_pid" 2>/dev/null; then
    kill -TERM "$e2e_pid" 2>/dev/null
    wait "$e2e_pid" 2>/dev/null
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The E2E runs: label, the version the tree must hold, the tree. Bookworm's own package is installed below; trixie's
# is fetched into .cache/ by fetch-wordpress.sh (without touching the system's apt sources), once, and reused.
WP61=6.1.9
WP68=6.8.12
WP68_TREE="$TESTS_DIR/.cache/wp-$WP68"
e2e_runs=("6.1 $WP61 /usr/share/wordpress" "6.8 $WP68 $WP68_TREE")

# 1. What is missing. The fetched tree links into php-getid3 and libjs-* (see fetch-wordpress.sh); 6.8 adds lodash.
packages=(wordpress mariadb-server php-cli php-mysql php-gd php-curl php-xml php-mbstring php-intl phpunit chromium
          php-getid3 libjs-cropper libjs-underscore libjs-lodash)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null \
    || { echo "apt-get install failed"; echo "0 passed, 1 failed"; exit 1; }
fi
if [ ! -d node_modules/playwright-core ]; then
  npm install --no-save --no-audit --no-fund --silent playwright-core@1.65.1 >/dev/null \
    || { echo "npm install playwright-core failed"; echo "0 passed, 1 failed"; exit 1; }
fi
API_DLL="$REPO/functions/MediaOffload.Api/bin/Release/net10.0/MediaOffload.Api.dll"
if [ ! -f "$API_DLL" ] || [ "${MEDIA_OFFLOAD_REBUILD:-0}" = 1 ]; then
  echo "Building the service"
  dotnet build "$REPO/functions/MediaOffload.Api" -c Release --nologo -v q >"$ARTIFACTS/dotnet-build.log" 2>&1 \
    || { echo "dotnet build failed; see $ARTIFACTS/dotnet-build.log"; echo "0 passed, 1 failed"; exit 1; }
fi
# A tree that cannot be had is reported here and counted as a failed E2E run below, never skipped.
wp68_error=
bash "$TESTS_DIR/fetch-wordpress.sh" trixie "$WP68" twentytwentyfive "$WP68_TREE" >"$ARTIFACTS/fetch-wordpress.log" 2>&1 \
  || wp68_error=$(tail -1 "$ARTIFACTS/fetch-wordpress.log")
cat "$ARTIFACTS/fetch-wordpress.log"

# 2. php -l on every PHP file of the plugin and the tests.
lint_failed=0
lint_count=0
while IFS= read -r -d '' f; do
  lint_count=$((lint_count + 1))
  out=$(php -l "$f" 2>&1) || { echo "$out"; lint_failed=$((lint_failed + 1)); }
done < <(find "$REPO/wordpress" "$TESTS_DIR" -path "$TESTS_DIR/node_modules" -prune -o -path "$ARTIFACTS" -prune \
  -o -path "$TESTS_DIR/.cache" -prune -o -name '*.php' -print0)
echo "php -l: $((lint_count - lint_failed)) of $lint_count files clean"
passed=$((passed + lint_count - lint_failed))
failed=$((failed + lint_failed))

# 3. PHPUnit.
phpunit -c "$TESTS_DIR/phpunit.xml.dist" --log-junit "$ARTIFACTS/phpunit.xml" 2>&1 | tee "$ARTIFACTS/phpunit.log"
read -r ut ue uf us < <(python3 - "$ARTIFACTS/phpunit.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    s = ET.parse(sys.argv[1]).getroot().find("testsuite")
    print(s.get("tests"), s.get("errors"), s.get("failures"), s.get("skipped", "0"))
except Exception:
    print(0, 1, 0, 0)
PY
)
unit_bad=$((ue + uf))
passed=$((passed + ut - unit_bad - us))
failed=$((failed + unit_bad))
[ "$ut" -gt 0 ] || failed=$((failed + 1))

# Runs one E2E script (in the background, so the EXIT trap can stop it) with the environment given before it, logs it
# to $1 and sets ep/ef from its last "<$2>: N passed, N failed" line; a run that says nothing, or fails without a
# failed check, counts as one failure.
run_e2e() {
  local log=$1 prefix=$2 status
  shift 2
  env "$@" > >(tee "$log") 2>&1 &
  e2e_pid=$!
  wait "$e2e_pid"
  status=$?
  e2e_pid=
  sleep 0.2
  ep= ef=
  read -r ep ef < <(sed -nE "s/^$prefix: ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/p" "$log" | tail -1)
  if [ -z "${ep:-}" ]; then ep=0; ef=1; fi
  [ "$status" -eq 0 ] || [ "$ef" -gt 0 ] || ef=1
}

# 4. End to end, once per WordPress version: e2e.py, then e2e_remote_only.py. Each copies MO_WP_TREE, fails unless
# its version.php says MO_WP_VERSION, and writes its files into MO_E2E_ARTIFACTS.
e2e_summary=()
for run in "${e2e_runs[@]}"; do
  read -r label version tree <<<"$run"
  # Remote-only files (docs/remote-only.md: removal, restore, the hostile cases and SIGKILL faults) get a stack of
  # their own, after the main checks.
  for script in e2e e2e_remote_only; do
    name="E2E" kind=""
    [ "$script" = e2e ] || { name="E2E remote-only"; kind="remote-only-"; }
    log="$ARTIFACTS/e2e-$kind$label.log"
    echo "== $name on WordPress $version ($tree)"
    if [ "$label" = 6.8 ] && [ -n "$wp68_error" ]; then
      echo "FAIL WordPress $version: no tree to test: $wp68_error" | tee "$log"
      ep=0 ef=1
    else
      run_e2e "$log" "$name" MO_WP_TREE="$tree" MO_WP_VERSION="$version" MO_E2E_ARTIFACTS="$ARTIFACTS/e2e-$kind$label" \
        python3 "$TESTS_DIR/e2e/$script.py"
    fi
    e2e_summary+=("WordPress $version: $name $ep passed, $ef failed")
    passed=$((passed + ep))
    failed=$((failed + ef))
  done
done

# 5. A two-site subdirectory network, once, on the newest WordPress that could be had.
ms_tree=$WP68_TREE
[ -z "$wp68_error" ] || ms_tree=/usr/share/wordpress
echo "== E2E multisite ($ms_tree)"
run_e2e "$ARTIFACTS/e2e-multisite.log" "E2E multisite" MO_WP_TREE="$ms_tree" python3 "$TESTS_DIR/e2e/e2e_multisite.py"
e2e_summary+=("Multisite: E2E $ep passed, $ef failed")
passed=$((passed + ep))
failed=$((failed + ef))

printf '%s\n' "${e2e_summary[@]}"

echo "Artifacts: $ARTIFACTS ($(( $(date +%s) - started ))s)"
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
