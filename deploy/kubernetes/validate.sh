#!/usr/bin/env bash
# Validates the Kubernetes manifests of this directory offline (no cluster needed):
#
#   bash deploy/kubernetes/validate.sh
#
# With PyPI reachable: yamllint 1.38.0 (strict, with .yamllint beside this script) and
# kubernetes-validate 1.37.0 (--strict: unknown fields are errors), installed into a temporary
# virtual environment. Without PyPI (pip install fails): says so on standard error and validates
# with Node.js instead, with the pinned npm project in validate/ (npm ci, then validate.js:
# kubernetes-models' OpenAPI schemas, unknown fields through TypeScript on the same models, and
# YAML lint checks), and with Debian's yamllint too when it is installed. Exit 0 when every
# manifest passes, non-zero otherwise; without PyPI, Node.js or the npm registry it says SKIPPED
# and what is missing, and exits 0.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
shopt -s nullglob
manifests=("$here"/*.yaml)
shopt -u nullglob
if [ ${#manifests[@]} -eq 0 ]; then
  echo "validate.sh: no *.yaml manifest in $here" >&2
  exit 1
fi

yamllint_version=1.38.0
kubernetes_validate_version=1.37.0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if command -v python3 >/dev/null 2>&1 \
    && python3 -m venv "$work/venv" >"$work/venv.log" 2>&1 \
    && "$work/venv/bin/pip" install --disable-pip-version-check --quiet \
      "yamllint==$yamllint_version" "kubernetes-validate==$kubernetes_validate_version" >"$work/pip.log" 2>&1; then
  echo "yamllint $yamllint_version (strict) on ${#manifests[@]} files"
  "$work/venv/bin/yamllint" -s -c "$here/.yamllint" "${manifests[@]}" "$here/.yamllint"
  echo "kubernetes-validate $kubernetes_validate_version --strict on ${#manifests[@]} files"
  "$work/venv/bin/kubernetes-validate" --strict "${manifests[@]}"
  echo "validated ${#manifests[@]} files: yamllint $yamllint_version -s, kubernetes-validate $kubernetes_validate_version --strict"
  exit 0
fi

{
  echo "validate.sh: could not install yamllint==$yamllint_version and kubernetes-validate==$kubernetes_validate_version"
  echo "  with pip (is PyPI reachable?); its last words:"
  tail -n 2 "$work/pip.log" "$work/venv.log" 2>/dev/null | grep -v '^==>' | grep -v '^$' | sed 's/^/    /' || true
  echo "validate.sh: validating with Node.js and the pinned npm project in validate/ instead"
} >&2

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "validate.sh: SKIPPED: neither PyPI nor $tool is available (apt-get install nodejs npm)" >&2
    exit 0
  fi
done
# exactly the versions of validate/package-lock.json; quiet unless it fails
if ! (cd "$here/validate" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error) >"$work/npm.log" 2>&1; then
  cat "$work/npm.log" >&2
  echo "validate.sh: SKIPPED: npm ci failed in $here/validate (npm registry unreachable?): nothing validated" >&2
  exit 0
fi
node "$here/validate/validate.js" "${manifests[@]}"
# Debian's yamllint (apt-get install yamllint), when there, lints as well: the same tool as PyPI's,
# an older release
if command -v yamllint >/dev/null 2>&1; then
  yamllint -s -c "$here/.yamllint" "${manifests[@]}" "$here/.yamllint"
  echo "yamllint $(yamllint --version | cut -d' ' -f2) (Debian's, strict): no problems"
fi
