#!/usr/bin/env bash
# Every test: .NET unit and integration tests (real moto_server, real libvips, real loopback origin), the
# infrastructure checks (cfn-lint, CloudFront Function tests) and the WordPress plugin suite (real WordPress,
# MariaDB and headless Chromium). Ends with one "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh || exit 1
export AWS_EC2_METADATA_DISABLED=true

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0

# The native CLI first, so its process tests (tests/MediaOffload.Cli.Tests/NativeBinaryTests.cs) find it current
# and no AOT compile competes with the other test assemblies for the two cores.
bash scripts/install-cli.sh 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

dotnet test MediaOffload.sln -c Release --nologo 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

infra/test.sh 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

# The WordPress plugin: php -l, PHPUnit and the end-to-end suite against a real WordPress (installs its own packages).
bash tests/wordpress/run.sh 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

# Sum the per-runner summaries: dotnet's "Passed!/Failed! - Failed: N, Passed: N", node's "# pass N" / "# fail N"
# and the plugin suite's own "N passed, N failed".
read -r passed failed < <(awk '
  /(Passed|Failed)! +- +Failed:/ { gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1) } }
  /^# pass / { p += $3 } /^# fail / { f += $3 }
  /^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 }
  END { print p + 0, f + 0 }' "$log")
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ] || status=1
exit $status
