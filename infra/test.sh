#!/usr/bin/env bash
# Every non-.NET check of the infrastructure: cfn-lint over all templates (must print nothing: no errors, no
# warnings) and node's test runner over the CloudFront Functions. Exits non-zero on any failure.
# The .NET structural tests run separately: dotnet test tests/MediaOffload.Template.Tests
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
status=0

templates=(serverless.template)
while IFS= read -r -d '' t; do
  # Only CloudFormation templates; other YAML under infra/ (if any) is skipped.
  if grep -q '^AWSTemplateFormatVersion:' "$t"; then templates+=("$t"); fi
done < <(find infra -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.template' -o -name '*.json' \) -not -path '*/node_modules/*' -print0 | sort -z)

if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "infra/test.sh: cfn-lint not found (pip install cfn-lint)" >&2
  exit 2
fi

echo "cfn-lint: ${templates[*]}"
lint_output=$(cfn-lint --format parseable -- "${templates[@]}" 2>&1)
lint_rc=$?
if [[ $lint_rc -ne 0 || -n "$lint_output" ]]; then
  echo "$lint_output"
  echo "cfn-lint: FAILED (exit $lint_rc); it must print nothing" >&2
  status=1
else
  echo "cfn-lint: clean"
fi

if ! node --test infra/cloudfront/test/*.test.js; then
  echo "node --test: FAILED" >&2
  status=1
fi

exit $status
