#!/usr/bin/env bash
# Builds a release of mtu-doctor: the Swift runtime linked in (--static-swift-stdlib), stripped, with its man pages,
# shell completions, monitoring files and SHA-256 sums, as dist/mtu-doctor-VERSION-linux-ARCH.tar.gz.
#   scripts/release.sh            # then: scripts/test-release.sh (runs it in a Debian root with no Swift)
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^    static let version = "\(.*\)"$/\1/p' Sources/mtu-doctor/Support/BuildInfo.swift)
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain 2>/dev/null)" ] || commit="$commit-dirty"
arch=$(uname -m)
name="mtu-doctor-$version-linux-$arch"

# The commit goes into the binary for this build only.
cp Sources/mtu-doctor/Support/BuildInfo.swift /tmp/mtu-doctor-BuildInfo.swift.$$
trap 'cp /tmp/mtu-doctor-BuildInfo.swift.$$ Sources/mtu-doctor/Support/BuildInfo.swift; rm -f /tmp/mtu-doctor-BuildInfo.swift.$$' EXIT
sed -i "s/^    static let commit = .*/    static let commit = \"$commit\"/" Sources/mtu-doctor/Support/BuildInfo.swift

start=$(date +%s)
swift build -c release --static-swift-stdlib --product mtu-doctor --scratch-path .build-release
echo "release build: $(( $(date +%s) - start )) s" >&2

rm -rf "dist/$name" && mkdir -p "dist/$name/man" "dist/$name/completions" "dist/$name/monitoring"
cp .build-release/release/mtu-doctor "dist/$name/mtu-doctor"
strip "dist/$name/mtu-doctor"
ln -s mtu-doctor "dist/$name/kubectl-mtu"
cp docs/man/*.1 "dist/$name/man/"
cp docs/completions/* "dist/$name/completions/"
cp deploy/mtu-doctor.yaml "dist/$name/"
cp deploy/monitoring/* "dist/$name/monitoring/"
cp README.md LICENSE "dist/$name/"
# The licenses of the Swift packages linked into the binary (NIO, AsyncHTTPClient, BoringSSL inside swift-nio-ssl,
# Yams, …) and of the Swift runtime (Apache-2.0 with the Runtime Library Exception).
mkdir -p "dist/$name/licenses"
for package in .build-release/checkouts/*/; do
    for file in "$package"LICENSE* "$package"NOTICE*; do
        [ -f "$file" ] && cp "$file" "dist/$name/licenses/$(basename "$package")-$(basename "$file")"
    done
done
(cd "dist/$name" && find . -type f ! -name SHA256SUMS -printf '%P\n' | sort | xargs sha256sum > SHA256SUMS)
tar -C dist -czf "dist/$name.tar.gz" "$name"
(cd dist && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
echo "dist/$name.tar.gz: binary $(stat -c %s "dist/$name/mtu-doctor") bytes, tarball $(stat -c %s "dist/$name.tar.gz") bytes"
ldd "dist/$name/mtu-doctor" | sed 's/^/  needs: /' || true
