#!/usr/bin/env bash
# Builds siplb's container image without a Docker engine or a registry: the root file system from
# Debian packages (mmdebstrap: bookworm, openjdk-17-jre-headless, curl) plus the jar, the launcher,
# the configuration and the user the Dockerfile adds; committed with buildah as an OCI archive,
# target/oci/siplb-oci.tar, and inspected with skopeo. With --test it also runs siplb inside that
# root file system (unshare and chroot, as the image's user) and places a SIPp call through it.
#
#   packaging/oci/build-image.sh [--test]        (as root; then: podman load -i target/oci/siplb-oci.tar,
#                                                 or skopeo copy oci-archive:target/oci/siplb-oci.tar docker://REGISTRY/siplb:0.1.0)
#
# Without root, mmdebstrap, buildah, skopeo (or sipp for --test) it says which package is missing
# and exits 0 without claiming anything. The OCI image format has no HEALTHCHECK; the Dockerfile's
# applies to docker builds, and Kubernetes uses its own probes (deploy/kubernetes).
set -euo pipefail
cd "$(dirname "$0")/../.."
test_run=false
[ "${1-}" = "--test" ] && test_run=true

skip() { echo "build-image: SKIPPED: $*" >&2; exit 0; }
fail() { echo "build-image: FAILED: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || skip "needs root (mmdebstrap --mode=root, chroot)"
for tool in mmdebstrap:mmdebstrap buildah:buildah skopeo:skopeo unshare:util-linux; do
  command -v "${tool%%:*}" >/dev/null || skip "needs ${tool%%:*} (apt-get install ${tool##*:})"
done
$test_run && { command -v sipp >/dev/null || skip "needs sipp (apt-get install sip-tester)"; }

out=target/oci
work=$(mktemp -d /tmp/siplb-oci.XXXXXX)
lb=""; uas=""; container=""
cleanup() {
  # unshare ignores SIGTERM while its child runs: kill the child (siplb), and unshare ends with it
  [ -n "$lb" ] && { pkill -KILL -P "$lb" 2>/dev/null; wait "$lb" 2>/dev/null; } || true
  [ -n "$uas" ] && kill "$uas" 2>/dev/null || true
  [ -n "$container" ] && buildah --storage-driver vfs rm "$container" >/dev/null 2>&1 || true
  mountpoint -q "$work/root/proc" 2>/dev/null && umount "$work/root/proc" || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out"

jar=lb-transport/target/siplb.jar
[ -f "$jar" ] || mvn -B -q -DskipTests package
sh packaging/oci/image-config.sh config/siplb.properties "$work/siplb.properties"

echo "== root file system: mmdebstrap bookworm + openjdk-17-jre-headless + curl + siplb"
mirror=${SIPLB_DEBIAN_MIRROR:-http://deb.debian.org}
mmdebstrap --mode=root --variant=minbase --include=openjdk-17-jre-headless,curl \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --setup-hook='mkdir -p "$1/usr/share/man/man1"' \
  --customize-hook='chroot "$1" useradd --system --uid 999 --user-group --home-dir /var/lib/siplb --create-home --shell /usr/sbin/nologin siplb' \
  --customize-hook="mkdir -p \"\$1/usr/share/siplb\" \"\$1/etc/siplb\"" \
  --customize-hook="upload $jar /usr/share/siplb/siplb.jar" \
  --customize-hook="upload bin/siplb /usr/bin/siplb" \
  --customize-hook='chmod 755 "$1/usr/bin/siplb"' \
  --customize-hook="upload $work/siplb.properties /etc/siplb/siplb.properties" \
  --customize-hook="upload config/dispatcher.list /etc/siplb/dispatcher.list" \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/usr/share/man/man1' \
  bookworm "$work/root" \
  "deb $mirror/debian bookworm main" "deb $mirror/debian bookworm-updates main" \
  "deb $mirror/debian-security bookworm-security main" >"$work/mmdebstrap.log" 2>&1 \
  || { tail -n 30 "$work/mmdebstrap.log"; fail "mmdebstrap"; }
echo "root file system: $(du -sh "$work/root" | cut -f1)"

echo "== commit with buildah (OCI archive)"
export BUILDAH_ISOLATION=chroot
container=$(buildah --storage-driver vfs from scratch)
tar -C "$work/root" -cf "$work/root.tar" .
buildah --storage-driver vfs add "$container" "$work/root.tar" / >/dev/null
buildah --storage-driver vfs config --user siplb --workingdir /var/lib/siplb \
  --entrypoint '["/usr/bin/siplb"]' --cmd '--config /etc/siplb/siplb.properties' \
  --port 5060/udp --port 5060/tcp --port 5061/tcp --port 8080/tcp --stop-signal SIGTERM \
  --label org.opencontainers.image.title=siplb --label org.opencontainers.image.description="SIP load balancer" \
  "$container"
rm -f "$out/siplb-oci.tar"
# tagged as deploy/kubernetes names it: siplb:VERSION (the project's, without -SNAPSHOT)
version=$(sed -n '0,/<version>\(.*\)<\/version>/s//\1/p' pom.xml | head -n1 | tr -d ' ')
version=${version%-SNAPSHOT}
buildah --storage-driver vfs commit --format oci --disable-compression=false --quiet "$container" "oci-archive:$out/siplb-oci.tar:siplb:$version" >/dev/null
echo "image: $out/siplb-oci.tar (siplb:$version), $(stat -c %s "$out/siplb-oci.tar") bytes"

echo "== inspect with skopeo"
skopeo inspect --config "oci-archive:$out/siplb-oci.tar" >"$work/config.json"
python3 - "$work/config.json" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))["config"]
assert config["User"] == "siplb", config
assert config["Entrypoint"] == ["/usr/bin/siplb"], config
assert config["Cmd"] == ["--config", "/etc/siplb/siplb.properties"], config
assert set(config["ExposedPorts"]) == {"5060/udp", "5060/tcp", "5061/tcp", "8080/tcp"}, config
print("skopeo: user", config["User"], "| entrypoint", config["Entrypoint"], config["Cmd"],
      "| ports", sorted(config["ExposedPorts"]))
PY
$test_run || exit 0

echo "== run siplb inside the root file system, as the image's user, and place a SIPp call"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sip=$(port); admin=$(port); backend=$(port)
printf '1 sip:127.0.0.1:%s 0 0 duid=pbx1\n' "$backend" >"$work/root/etc/siplb/dispatcher.list"
(cd "$work" && exec sipp -sn uas -i 127.0.0.1 -p "$backend" -bg >/dev/null 2>&1) || true
uas=$(pgrep -f "sipp -sn uas -i 127.0.0.1 -p $backend" | head -n1)
# --kill-child: siplb is PID 1 of the new namespace; killing unshare alone would leave it running
unshare --fork --kill-child --pid --mount --mount-proc="$work/root/proc" \
  chroot --userspec=999:999 "$work/root" /usr/bin/siplb --config /etc/siplb/siplb.properties \
  --set "siplb.listen=udp:127.0.0.1:$sip" --set "siplb.admin.listen=127.0.0.1:$admin" \
  --set siplb.warmup.calls=0 >"$work/siplb.log" 2>&1 &
lb=$!
for _ in $(seq 1 300); do grep -q "listening on udp" "$work/siplb.log" && break; sleep 0.05; done
grep -q "listening on udp" "$work/siplb.log" || { cat "$work/siplb.log"; fail "siplb did not start in the root file system"; }
(cd "$work" && sipp -sn uac -i 127.0.0.1 -p 0 "127.0.0.1:$sip" -m 1 -timeout 20s -timeout_error >/dev/null 2>&1) \
  || { cat "$work/siplb.log"; fail "the SIPp call through siplb in the image's root file system failed"; }
chroot "$work/root" curl -fsS "http://127.0.0.1:$admin/health" >/dev/null || fail "the image's health check command"
echo "image root file system: siplb ran as uid 999 and answered a SIPp call; its health check passed"
echo "build-image: PASSED"
