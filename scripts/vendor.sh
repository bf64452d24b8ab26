#!/usr/bin/env bash
# Re-vendor the browser libraries from npm at the pinned versions (needs npm; not part of a normal build):
# MathJax into _vendor/ (served by the site), axe-core into tests/vendor/ (injected by the browser tests only).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent mathjax@3.2.2 >/dev/null && npm pack --silent axe-core@4.14.1 >/dev/null)
for tgz in "$work"/*.tgz; do mkdir -p "${tgz%.tgz}" && tar xzf "$tgz" -C "${tgz%.tgz}"; done
mathjax="$work/mathjax-3.2.2/package"
rm -rf _vendor/mathjax
mkdir -p _vendor/mathjax/output/chtml/fonts
cp "$mathjax/LICENSE" "$mathjax/es5/tex-mml-chtml.js" _vendor/mathjax/
cp -r "$mathjax/es5/output/chtml/fonts/woff-v2" _vendor/mathjax/output/chtml/fonts/
cp -r "$mathjax/es5/input" "$mathjax/es5/ui" "$mathjax/es5/a11y" _vendor/mathjax/
rm -f _vendor/mathjax/a11y/sre.js
rm -rf tests/vendor/axe-core
mkdir -p tests/vendor/axe-core
cp "$work/axe-core-4.14.1/package/axe.min.js" "$work/axe-core-4.14.1/package/LICENSE" tests/vendor/axe-core/
echo "vendored into _vendor/ and tests/vendor/"
