#!/usr/bin/env bash
# Refresh static/vendor/bootstrap/ from the npm registry: scripts/vendor-bootstrap.sh 5.3.8
# Only what the templates use: the minified CSS (no JavaScript), its licence and version.
set -euo pipefail
version=${1:?"usage: scripts/vendor-bootstrap.sh VERSION (for example 5.3.8)"}
dest="$(cd "$(dirname "$0")/.." && pwd)/static/vendor/bootstrap"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "bootstrap@$version" >/dev/null && tar xzf ./*.tgz)
mkdir -p "$dest"
# The source map is not shipped, so its comment goes too: the manifest storage would
# otherwise look for bootstrap.min.css.map during collectstatic and fail.
grep -v '^/\*# sourceMappingURL=' "$work/package/dist/css/bootstrap.min.css" >"$dest/bootstrap.min.css"
cp "$work/package/LICENSE" "$dest/LICENSE"
echo "$version" >"$dest/VERSION"
echo "static/vendor/bootstrap/: Bootstrap $version"
