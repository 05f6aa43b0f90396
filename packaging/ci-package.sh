#!/usr/bin/env bash
# Proves the Debian package on this machine, as an operator would use it (CI runs it as root, after
# the test suite): build it, lintian (no errors), systemd-analyze verify on the unit, apt-get
# install, siplb check, siplb started as the siplb user answering a SIPp call, SIGHUP with a bad
# and then a good destination list, SIGTERM draining, apt-get purge leaving nothing but the
# siplb user (which Debian policy keeps). Prints the package size and the times from start to
# bound and to the first call answered. Without root, dpkg, apt-get, lintian, systemd-analyze or
# sipp it says which package is missing and exits 0 without claiming anything.
set -euo pipefail
cd "$(dirname "$0")/.."

skip() { echo "ci-package: SKIPPED: $*" >&2; exit 0; }
fail() { echo "ci-package: FAILED: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || skip "needs root (apt-get install)"
command -v apt-get >/dev/null || skip "needs apt-get (a Debian system)"
command -v lintian >/dev/null || skip "needs lintian (apt-get install lintian)"
command -v systemd-analyze >/dev/null || skip "needs systemd-analyze (apt-get install systemd)"
command -v sipp >/dev/null || skip "needs sipp (apt-get install sip-tester)"

work=$(mktemp -d /tmp/siplb-package.XXXXXX)
lb=""; uas=""
cleanup() {
  [ -n "$lb" ] && kill "$lb" 2>/dev/null || true
  [ -n "$uas" ] && kill "$uas" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== build: mvn -B -Pdeb -DskipTests package"
mvn -B -q -Pdeb -DskipTests package -pl lb-transport -am
deb=$(ls lb-transport/target/siplb_*_all.deb)
echo "package: $deb, $(stat -c %s "$deb") bytes; installed size $(dpkg-deb -f "$deb" Installed-Size) KiB"

echo "== lintian"
lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v "running with root privileges" | tee "$work/lintian.txt" || true
if grep -q "^E: " "$work/lintian.txt"; then fail "lintian reports errors"; fi
echo "lintian: no errors"

echo "== install"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./$deb" >"$work/install.log" 2>&1 \
  || { cat "$work/install.log"; fail "apt-get install"; }
systemd-analyze verify /lib/systemd/system/siplb.service || fail "systemd-analyze verify siplb.service"
echo "systemd-analyze verify: clean"
# systemctl stop must wait out the drain: the unit's stop timeout above the shipped siplb.shutdown.drain
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s$/\1/p' /lib/systemd/system/siplb.service)
drain=$(sed -n 's/^siplb.shutdown.drain=\([0-9]*\)s$/\1/p' /etc/siplb/siplb.properties)
[ -n "$stop" ] && [ -n "$drain" ] && [ "$stop" -gt "$drain" ] || fail "TimeoutStopSec=${stop}s is not above siplb.shutdown.drain=${drain}s"
echo "systemctl stop waits ${stop}s, longer than the ${drain}s drain"
id siplb >/dev/null || fail "no siplb user after install"
[ "$(stat -c %U:%G:%a /etc/siplb/siplb.properties)" = "root:siplb:640" ] || fail "/etc/siplb/siplb.properties is not root:siplb 640"
man -w siplb >/dev/null 2>&1 || [ -f /usr/share/man/man1/siplb.1.gz ] || fail "no man page"
siplb --help | grep -q "siplb check" || fail "siplb --help does not list check"

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sip=$(port); admin=$(port); backend=$(port)

echo "== configure as an operator: /etc/siplb/siplb.properties and dispatcher.list"
sed -i "s|^siplb.listen=.*|siplb.listen=udp:127.0.0.1:$sip|; s|^siplb.admin.listen=.*|siplb.admin.listen=127.0.0.1:$admin|; s|^siplb.shutdown.drain=.*|siplb.shutdown.drain=3s|" \
  /etc/siplb/siplb.properties
printf '1 sip:127.0.0.1:%s 0 0 duid=pbx1\n' "$backend" >/etc/siplb/dispatcher.list
check_start=$(date +%s%N)
siplb check --config /etc/siplb/siplb.properties || fail "siplb check on the edited configuration"
echo "siplb check (the unit's ExecStartPre): $(( ($(date +%s%N) - check_start) / 1000000 )) ms"
cp /etc/siplb/siplb.properties "$work/bad.properties"
printf 'siplb.nonsense=1\nsiplb.failover.timeout=soon\n' >>"$work/bad.properties"
if siplb check --config "$work/bad.properties" 2>"$work/check.txt"; then fail "siplb check passed a bad file"; fi
grep -q "siplb.nonsense=1: is not a siplb key" "$work/check.txt" && grep -q "siplb.failover.timeout=soon" "$work/check.txt" \
  || { cat "$work/check.txt"; fail "siplb check did not list both problems"; }
echo "siplb check: refuses a bad file with both problems, passes the good one"

echo "== run as the siplb user, answer a SIPp call"
(cd "$work" && exec sipp -sn uas -i 127.0.0.1 -p "$backend" -bg -trace_err >/dev/null 2>&1) || true
uas=$(pgrep -f "sipp -sn uas -i 127.0.0.1 -p $backend" | head -n1)
start=$(date +%s%N)
(cd / && exec runuser -u siplb -- /usr/bin/siplb --config /etc/siplb/siplb.properties) >"$work/siplb.log" 2>&1 &
lb=$!
bound=""
for _ in $(seq 1 300); do
  if grep -q "listening on udp" "$work/siplb.log"; then bound=$(date +%s%N); break; fi
  kill -0 "$lb" 2>/dev/null || { cat "$work/siplb.log"; fail "siplb exited"; }
  sleep 0.05
done
[ -n "$bound" ] || { cat "$work/siplb.log"; fail "siplb did not bind"; }
(cd "$work" && sipp -sn uac -i 127.0.0.1 -p 0 "127.0.0.1:$sip" -m 1 -timeout 20s -timeout_error >/dev/null 2>&1) \
  || { cat "$work/siplb.log"; fail "the SIPp call through the installed siplb failed"; }
answered=$(date +%s%N)
echo "start to bound: $(( (bound - start) / 1000000 )) ms; start to first call answered: $(( (answered - start) / 1000000 )) ms" \
  "(the shipped settings: 5000 warm-up calls before binding, a pre-touched 512 MB heap)"
sed -n '1,12p' "$work/siplb.log"
pgrep -u siplb -f /usr/share/siplb/siplb.jar >/dev/null || fail "siplb is not running as the siplb user"
curl -sf "http://127.0.0.1:$admin/health" >/dev/null || fail "GET /health"

echo "== SIGHUP: a bad list is refused and logged, a good one is loaded"
java_pid=$(pgrep -u siplb -f /usr/share/siplb/siplb.jar)
printf '1 sip:127.0.0.1:%s 0 0 duid=pbx1\n1 notauri\n' "$backend" >/etc/siplb/dispatcher.list
kill -HUP "$java_pid"
for _ in $(seq 1 100); do grep -q "destination list in force stays" "$work/siplb.log" && break; sleep 0.1; done
grep -q "dispatcher.list:2: invalid URI 'notauri'" "$work/siplb.log" || { cat "$work/siplb.log"; fail "SIGHUP did not log the bad line"; }
printf '1 sip:127.0.0.1:%s 0 0 duid=pbx1\n2 sip:127.0.0.1:%s 0 0 duid=pbx2\n' "$backend" "$backend" >/etc/siplb/dispatcher.list
kill -HUP "$java_pid"
for _ in $(seq 1 100); do grep -q "reloaded: 2 destinations" "$work/siplb.log" && break; sleep 0.1; done
grep -q "reloaded: 2 destinations, added \[2 sip:127.0.0.1:$backend\]" "$work/siplb.log" \
  || { cat "$work/siplb.log"; fail "SIGHUP did not load the good list"; }
(cd "$work" && sipp -sn uac -i 127.0.0.1 -p 0 "127.0.0.1:$sip" -m 1 -timeout 20s -timeout_error >/dev/null 2>&1) \
  || fail "a call after the reloads failed"
echo "SIGHUP: bad list kept out with its line logged; good list loaded; calls still answered"

echo "== SIGTERM drains and stops"
kill -TERM "$java_pid"
for _ in $(seq 1 200); do kill -0 "$lb" 2>/dev/null || break; sleep 0.05; done
kill -0 "$lb" 2>/dev/null && fail "siplb did not stop on SIGTERM"
grep -q "drained:" "$work/siplb.log" || { cat "$work/siplb.log"; fail "no drain on SIGTERM"; }
lb=""
echo "SIGTERM: drained and stopped"

echo "== purge"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q siplb >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "apt-get purge"; }
left=""
for path in /etc/siplb /usr/share/siplb /usr/bin/siplb /lib/systemd/system/siplb.service /usr/lib/sysctl.d/60-siplb.conf \
    /usr/share/man/man1/siplb.1.gz /usr/share/doc/siplb /var/lib/siplb /etc/systemd/system/multi-user.target.wants/siplb.service; do
  [ -e "$path" ] && left="$left $path"
done
[ -z "$left" ] || fail "apt-get purge left:$left"
dpkg -s siplb >/dev/null 2>&1 && fail "dpkg still knows siplb"
echo "purge: nothing left but the siplb system user (kept, as Debian policy asks)"
echo "ci-package: PASSED"
