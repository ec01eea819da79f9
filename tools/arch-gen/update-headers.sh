#!/usr/bin/env bash
# Moves the architecture tables to newer kernel headers: downloads linux-libc-dev and the kernel's
# common headers from Debian sid (without touching the system's apt sources), re-vendors exactly
# the files the generator reads, and regenerates every table.
#
# Usage: tools/arch-gen/update-headers.sh LIBC_DEV_VERSION COMMON_PACKAGE
#   e.g. tools/arch-gen/update-headers.sh 7.2.13-1 linux-headers-7.2.13+deb14-common
# First set headerSources in tools/arch-gen/src/config.ts to the new versions (the script checks,
# and prints the values if they do not match). Afterwards `git rm` the old folders under
# tools/arch-gen/headers/, review `git diff`, run the arch package tests, commit.
set -euo pipefail
libc_version=$1
common_package=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A private apt configuration: its own sources, lists and cache under $work.
mkdir -p "$work/parts" "$work/lists/partial" "$work/cache/archives/partial"
cat > "$work/parts/sid.sources" <<SOURCES
Types: deb
URIs: http://deb.debian.org/debian
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt_options=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/parts"
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache")
apt-get "${apt_options[@]}" update
(cd "$work" && apt-get "${apt_options[@]}" download "linux-libc-dev=$libc_version" "$common_package")
dpkg-deb -x "$work"/linux-libc-dev_*.deb "$work/uapi"
dpkg-deb -x "$work/${common_package}"_*.deb "$work/internal"
common_version=$(dpkg-deb -f "$work/${common_package}"_*.deb Version)
internal_root="$work/internal/usr/src/$common_package"

# config.ts names the packages (they appear in every generated file's first line).
if ! grep -q "version: '$libc_version'" "$here/src/config.ts" || ! grep -q "package: '$common_package'" "$here/src/config.ts"; then
  echo "Set headerSources in tools/arch-gen/src/config.ts first:" >&2
  echo "  uapi:     { package: 'linux-libc-dev', version: '$libc_version', dir: 'linux-libc-dev_$libc_version' }" >&2
  echo "  internal: { package: '$common_package', version: '$common_version', dir: '${common_package}_$common_version' }" >&2
  exit 1
fi

cd "$root"
pnpm exec tsx tools/arch-gen/src/main.ts vendor "$work/uapi" "$internal_root"
pnpm generate
