#!/usr/bin/env bash
# A Debian package that a make target needs (Chromium for the browser tests, docker-compose
# for compose-check): nothing to do when its command is on PATH; installed with apt-get
# when it is missing and this user may (root, or sudo without a password); otherwise one
# line saying what to run, and a failure.
#
#   scripts/ensure-debian-package.sh PACKAGE "COMMAND [OTHER NAME...]" "MESSAGE"
set -uo pipefail
package=$1 commands=$2 message=$3

on_path() {
  local name
  for name in $commands; do
    command -v "$name" >/dev/null 2>&1 && return 0
  done
  return 1
}

give_up() {
  echo "$message" >&2
  exit 1
}

on_path && exit 0

export DEBIAN_FRONTEND=noninteractive # never a question: CI has no standard input
if [ "$EUID" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n env DEBIAN_FRONTEND=noninteractive)
else
  give_up
fi
command -v apt-get >/dev/null 2>&1 || give_up

echo "Installing Debian's $package package (apt-get install -y $package)"
# A source that cannot be reached fails the update, not necessarily the install.
"${as_root[@]}" apt-get update -qq >/dev/null
"${as_root[@]}" apt-get install -y -qq "$package" >/dev/null || give_up
on_path || give_up
