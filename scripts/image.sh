#!/usr/bin/env bash
# Builds the OCI image from the release tarball with buildah, no registry and no daemon: from scratch, the binary,
# the shared libraries it needs (from this machine's Debian), iproute2's ip and tcpdump, CA certificates, user 65532, entrypoint mtu-doctor,
# OCI labels; exported as dist/mtu-doctor-VERSION.oci.tar (podman load, docker load, ctr images import, kind load
# image-archive). Then prints the image's size and configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v buildah >/dev/null || { echo "image: buildah is not installed (Debian: buildah)" >&2; exit 1; }
dir=$(ls -td dist/mtu-doctor-*-linux-*/ | head -1)
binary="$dir/mtu-doctor"
version=$("$binary" --version | cut -d' ' -f1)
commit=$("$binary" --version | sed 's/.*(\(.*\))/\1/')
archive="dist/mtu-doctor-$version.oci.tar"

container=$(buildah from scratch)
trap 'buildah umount "$container" >/dev/null 2>&1 || true; buildah rm "$container" >/dev/null 2>&1 || true' EXIT
root=$(buildah mount "$container")
install -D -m 0755 "$binary" "$root/usr/local/bin/mtu-doctor"
ln -s mtu-doctor "$root/usr/local/bin/kubectl-mtu"
# CAP_NET_RAW as a permitted-only file capability: a container's `capabilities.add` does not reach a non-root
# process's effective set (no ambient capabilities in Kubernetes: kubernetes/kubernetes#56374), a file capability
# does, and the binary raises it itself. Never +ep: with the effective bit the binary would not even start where
# the bounding set lacks NET_RAW (Pod Security "restricted"). buildah keeps security.capability in the layer.
setcap cap_net_raw=p "$root/usr/local/bin/mtu-doctor"
# The host facts come from iproute2's `ip` (route interface, learned PMTU, link MTUs; setting a learned PMTU aside),
# and `diagnose --capture` runs tcpdump (on a node: `kube diagnose --node … -- --capture`).
for tool in ip:iproute2 tcpdump:tcpdump; do
    command -v "${tool%%:*}" >/dev/null || { echo "image: ${tool%%:*} is not installed (Debian: ${tool##*:})" >&2; exit 1; }
done
install -D -m 0755 "$(readlink -f "$(command -v ip)")" "$root/usr/sbin/ip"
install -D -m 0755 "$(command -v tcpdump)" "$root/usr/bin/tcpdump"
# The libraries they load (the Swift runtime is inside mtu-doctor): glibc, zlib, libstdc++, libpcap, libmnl… and the loader.
for library in $( (ldd "$binary"; ldd "$root/usr/sbin/ip"; ldd "$root/usr/bin/tcpdump") | awk '/=>/ { print $3 } /ld-linux/ { print $1 }' | sort -u); do
    cp --parents -L "$library" "$root/"
done
# The Debian packages those files come from: their copyright files (GPL/LGPL code such as iproute2 and glibc ships with
# its terms), and mtu-doctor's own license with the licenses of the Swift packages linked in, from the tarball.
for file in "$(readlink -f "$(command -v ip)")" "$(command -v tcpdump)" $( (ldd "$binary"; ldd "$root/usr/sbin/ip"; ldd "$root/usr/bin/tcpdump") | awk '/=>/ { print $3 }' | sort -u); do
    resolved=$(readlink -f "$file")
    # dpkg knows a file by the path its package installed (merged /usr: /bin/ip for /usr/bin/ip).
    package=$( (dpkg -S "$file" || dpkg -S "$resolved" || dpkg -S "${resolved#/usr}" || true) 2>/dev/null | head -1 | cut -d: -f1)
    if [ -n "$package" ] && [ -f "/usr/share/doc/$package/copyright" ]; then
        install -D -m 0644 "/usr/share/doc/$package/copyright" "$root/usr/share/doc/$package/copyright"
    fi
done
install -D -m 0644 "$dir/LICENSE" "$root/usr/share/doc/mtu-doctor/LICENSE"
if [ -d "$dir/licenses" ]; then cp -r "$dir/licenses" "$root/usr/share/doc/mtu-doctor/"; fi
install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nmtu-doctor:x:65532:65532:mtu-doctor:/nonexistent:/sbin/nologin\n' > "$root/etc/passwd"
printf 'root:x:0:\nmtu-doctor:x:65532:\n' > "$root/etc/group"
install -d -m 1777 "$root/tmp"
buildah config --user 65532:65532 --workingdir /tmp --entrypoint '["/usr/local/bin/mtu-doctor"]' --cmd '["--help"]' \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    --label org.opencontainers.image.title=mtu-doctor \
    --label org.opencontainers.image.description="Finds, explains and fixes MTU black holes in overlay networks" \
    --label org.opencontainers.image.version="$version" \
    --label org.opencontainers.image.revision="$commit" "$container"
buildah commit --quiet "$container" "mtu-doctor:$version" >/dev/null
rm -f "$archive"
buildah push --quiet "mtu-doctor:$version" "oci-archive:$archive:mtu-doctor:$version"
buildah rmi "mtu-doctor:$version" >/dev/null
echo "$archive: $(stat -c %s "$archive") bytes; image root $(du -sk "$root" | cut -f1) KiB"
