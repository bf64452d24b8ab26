#!/usr/bin/env bash
# Make Debian's chromium available to the browser tests: install it with apt-get when running as root, otherwise
# say loudly that those tests will be skipped (in CI they fail instead of skipping).
set -u
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && exit 0
  echo "apt-get could not install chromium." >&2
fi
echo "WARNING: chromium is not installed and cannot be installed here (needs root and apt-get):" >&2
echo "WARNING: the browser tests will be SKIPPED. Install it with: sudo apt-get install chromium" >&2
exit 0
