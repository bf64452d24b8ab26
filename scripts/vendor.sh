#!/usr/bin/env bash
# Re-vendor the browser libraries of _vendor/ from npm at the pinned versions (needs npm; not part of a normal build).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent mathjax@3.2.2 @jupyter-widgets/html-manager@1.0.15 requirejs@2.3.8 >/dev/null)
for tgz in "$work"/*.tgz; do mkdir -p "${tgz%.tgz}" && tar xzf "$tgz" -C "${tgz%.tgz}"; done
mathjax="$work/mathjax-3.2.2/package"; manager="$work/jupyter-widgets-html-manager-1.0.15/package"
rm -rf _vendor/mathjax _vendor/html-manager _vendor/requirejs
mkdir -p _vendor/mathjax/output/chtml/fonts _vendor/html-manager _vendor/requirejs
cp "$mathjax/LICENSE" "$mathjax/es5/tex-mml-chtml.js" _vendor/mathjax/
cp -r "$mathjax/es5/output/chtml/fonts/woff-v2" _vendor/mathjax/output/chtml/fonts/
cp -r "$mathjax/es5/input" "$mathjax/es5/ui" "$mathjax/es5/a11y" _vendor/mathjax/
rm -f _vendor/mathjax/a11y/sre.js
cp "$manager/dist/embed-amd.js" "$manager/dist/embed.js.LICENSE.txt" "$manager"/dist/*.woff2 "$manager"/dist/*.woff _vendor/html-manager/
cp "$work/requirejs-2.3.8/package/require.js" _vendor/requirejs/
echo "vendored into _vendor/"
