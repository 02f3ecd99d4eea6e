#!/usr/bin/env bash
# Installs Go 1.23 from Debian's bookworm-backports into /opt/go without touching the system's apt
# configuration (the recipe of ../shared/docs/go-toolchain.md). Idempotent. Needs root.
set -euo pipefail
GOBIN=/opt/go/usr/lib/go-1.23/bin
if [ -x "$GOBIN/go" ]; then
  echo "Go already installed: $("$GOBIN/go" version)"
  exit 0
fi
t=$(mktemp -d); mkdir -p "$t/lists/partial" "$t/debs"
uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri bookworm-backports main" > "$t/sources.list"
O="-o Dir::Etc::SourceList=$t/sources.list -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$t/lists"
# shellcheck disable=SC2086
apt-get $O -q update
# shellcheck disable=SC2086
(cd "$t/debs" && apt-get $O -q download golang-1.23-go golang-1.23-src)
mkdir -p /opt/go
for f in "$t"/debs/*.deb; do dpkg -x "$f" /opt/go; done
rm -rf "$t"
echo "installed: $("$GOBIN/go" version)"
