#!/usr/bin/env python3
"""SIPp load against siplb on loopback: the highest call rate with zero failed calls.

Starts siplb (lb-transport/target/siplb.jar) in front of two SIPp UAS, then steps a SIPp UAC
(uac-rr.xml: INVITE, 200, ACK and BYE along the Record-Route set) through the offered rates.
With --transport tcp every leg runs over TCP: the UAC over one connection (SIPp -t t1) to a tcp
listener, siplb to each UAS over one connection (destinations ;transport=tcp).
siplb runs with bin/siplb's JVM settings (SIPLB_JAVA_OPTS replaces them, as for bin/siplb);
--jvm-arg adds one after them, --java names another runtime (bin/siplb's options for JDK 24+ follow it).
For each step it reports calls, failed calls, response-time percentiles (from SIPp's per-call
RTD trace), siplb's CPU seconds per 1000 calls (utime+stime of the siplb process, from
/proc) and its GC pauses over the step (total milliseconds and count, from its /metrics). Needs: a built jar (mvn -B -q -DskipTests package), sipp (apt-get install sip-tester).
Every SIPp step is bounded in wall-clock time (three times its length plus 30 s): a step that
overruns is killed, reported as OVERRUN with the calls it has no figure for counted failed, and the
run goes on.

  python3 lb-benchmarks/sipp/load.py --rates 200,400,800,1200,1600 --seconds 20
  python3 lb-benchmarks/sipp/load.py --transport tcp --rates 500,1000,1500 --seconds 10
  python3 lb-benchmarks/sipp/load.py --destinations 1000 --rates 1500 --seconds 20 \
      --set siplb.dispatch.algorithm=hash-callid --set siplb.dispatch.hash-mode=rendezvous
  python3 lb-benchmarks/sipp/load.py --destinations 10000 --rates 500 --seconds 20 --reload-every 2
  python3 lb-benchmarks/sipp/load.py --ring-ms 5000 --rates 500,1000,1000 --seconds 15

With --ring-ms the UAS rings that long between its 180 and its 200, so that calls wait in siplb as
live INVITE transactions, as real calls do (rate x ring time of them at once); the response times
then include the ringing.

With --reload-every S the list is changed (its last destination's priority toggled) and reloaded
through the admin API every S seconds of each step, and each step also reports the event loops'
lag samples later than 5 and 20 ms (siplb_loop_lag_late_total) and the reloads done.

Everything binds to 127.0.0.1 and every process is stopped at the end.
"""
import argparse
import csv
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def jvm_options():
    """The JVM settings bin/siplb runs the balancer with (its opts line), or SIPLB_JAVA_OPTS: the
    benchmarks measure siplb as an operator runs it."""
    if "SIPLB_JAVA_OPTS" in os.environ:  # set, even empty (a bare java -jar), it replaces them
        return os.environ["SIPLB_JAVA_OPTS"].split()
    with open(os.path.join(ROOT, "bin", "siplb")) as f:
        for line in f:
            if line.startswith("opts="):  # opts=${SIPLB_JAVA_OPTS-"..."}
                return line.split('-"', 1)[1].rsplit('"', 1)[0].split()
    sys.exit("bin/siplb has no opts= line")


def jdk_options(java="java"):
    """What bin/siplb adds for the JDK `java` runs (unless SIPLB_JAVA_OPTS is set): on 24 and later,
    Netty's use of sun.misc.Unsafe allowed, and native access. The feature version is read from the
    JDK's release file, as bin/siplb does."""
    if "SIPLB_JAVA_OPTS" in os.environ:
        return []
    home = os.path.dirname(os.path.dirname(os.path.realpath(shutil.which(java) or java)))
    try:
        with open(os.path.join(home, "release")) as f:
            feature = int(next(line for line in f if line.startswith("JAVA_VERSION=")).split('"')[1].split(".")[0])
    except (OSError, StopIteration, ValueError):
        return []
    return ["--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"] if feature >= 24 else []


def siplb_command(jar, *settings, java="java", jvm_args=()):
    """siplb as bin/siplb runs it, with `jvm_args` after bin/siplb's JVM options and a `--set` for
    each of `settings` (key=value)."""
    command = [java] + jvm_options() + jdk_options(java) + list(jvm_args) + ["-jar", jar]
    for setting in settings:
        command += ["--set", setting]
    return command


def add_runtime_arguments(parser, example="-Xlog:gc"):
    """--java and --jvm-arg, the runtime siplb_command starts siplb with, on an argparse parser."""
    parser.add_argument("--java", default="java",
                        help="the java command siplb runs with (default: the one on PATH; e.g. a JDK 25's bin/java)")
    parser.add_argument("--jvm-arg", action="append", default=[],
                        help=f"a JVM option for siplb after bin/siplb's, repeatable (e.g. --jvm-arg={example})")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100.0 * (len(values) - 1)))))
    return values[k]


def rtd_values(work):
    """Response times (ms) of every call, from SIPp's -trace_rtt files."""
    values = []
    for path in glob.glob(os.path.join(work, "*_rtt.csv")):
        with open(path) as f:
            for row in csv.reader(f, delimiter=";"):
                if len(row) >= 2 and row[0] and row[0][0].isdigit():
                    try:
                        values.append(float(row[1]))
                    except ValueError:
                        pass
    return values


def wait_until_serving(log_path, process, timeout=60):
    """Waits for siplb's last start-up line ("advertising ..."), printed once every listener is bound."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            sys.exit(f"siplb exited at start; see {log_path}")
        with open(log_path) as f:
            if " advertising " in f.read():
                return
        time.sleep(0.2)
    sys.exit(f"siplb did not start within {timeout} s; see {log_path}")


def bounded_run(command, bound, what, **kwargs):
    """subprocess.run with a wall-clock bound: a process still running `bound` seconds after its
    start (a SIPp step that never ends on a starved machine) is killed, reported on stderr as an
    overrun of `what`, and the run goes on; returns its exit code, or None when it overran."""
    process = subprocess.Popen(command, **kwargs)
    try:
        return process.wait(timeout=bound)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        print(f"OVERRUN: {what} was still running after {bound} s; killed, the run goes on", file=sys.stderr,
              flush=True)
        return None


def node_arguments(description, rate=1500, seconds=15, runs=3):
    """The options every siplb-against-itself script takes: --rate, --seconds, --runs, --jar."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=rate)
    parser.add_argument("--seconds", type=int, default=seconds)
    parser.add_argument("--runs", type=int, default=runs)
    parser.add_argument("--jar", default=os.path.join(ROOT, "lb-transport", "target", "siplb.jar"))
    return parser


def scrape(admin_port):
    """siplb's /metrics on the admin port, as parse_metrics reads it."""
    with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/metrics", timeout=5) as response:
        return parse_metrics(response.read().decode())


def metric(admin_port, name):
    """One figure of siplb's /metrics on the admin port (0 when absent)."""
    return scrape(admin_port).get(name, 0.0)


def late_samples(metrics, thresholds):
    """The loops' lag samples later than each of `thresholds` ms so far (siplb_loop_lag_late_total),
    from one scrape."""
    return [metrics.get(f'siplb_loop_lag_late_total{{over="{ms}ms"}}', 0.0) for ms in thresholds]


def gc_totals(metrics):
    """GC pause time in ms and pause count so far, every collector and cause summed
    (jvm_gc_pause_seconds_sum and _count), from one scrape."""
    return (sum(v for k, v in metrics.items() if k.startswith("jvm_gc_pause_seconds_sum")) * 1000,
            sum(v for k, v in metrics.items() if k.startswith("jvm_gc_pause_seconds_count")))


def spread_host(i):
    """The i-th (from 0) of the loopback addresses a large set is spread across: 127.10.0.1, 127.10.0.2, …"""
    return f"127.{10 + i // 62500}.{(i // 250) % 250}.{i % 250 + 1}"


def kamailio_modules():
    """Kamailio's modules directory; exits naming the package when Kamailio is not installed."""
    modules = next((d for d in ("/usr/lib/x86_64-linux-gnu/kamailio/modules", "/usr/lib/kamailio/modules")
                    if os.path.isdir(d)), None)
    if modules is None or shutil.which("kamailio") is None:
        sys.exit("kamailio is not installed: apt-get install kamailio")
    return modules


def parse_metrics(text):
    """Prometheus text (siplb's /metrics) as {'name{labels}': value}."""
    metrics = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            try:
                metrics[name] = float(value)
            except ValueError:
                pass
    return metrics


def transport_options(transport):
    """SIPp's options for `transport`: one TCP connection for all calls, or UDP."""
    return ["-t", "t1"] if transport == "tcp" else []


def destination(port, transport):
    return f"sip:127.0.0.1:{port}" + (";transport=tcp" if transport == "tcp" else "")


def uas_scenario(work, ring_ms=0):
    """uas-rr.xml, or with `ring_ms` a copy in `work` that rings that long between 180 and 200."""
    if not ring_ms:
        return os.path.join(HERE, "uas-rr.xml")
    with open(os.path.join(HERE, "uas-rr.xml")) as f:
        text = f.read()
    first_send_end = text.index("</send>") + len("</send>")
    path = os.path.join(work, f"uas-ring-{ring_ms}.xml")
    with open(path, "w") as f:
        f.write(text[:first_send_end] + f'\n\n  <pause milliseconds="{ring_ms}"/>' + text[first_send_end:])
    return path


def start_uas(ports, work, transport="udp", set_id=1, listing="dispatcher.list", ring_ms=0):
    """A SIPp UAS (uas-rr.xml, answering probes with -aa; ringing `ring_ms` before its 200) on each
    port over `transport`, and work/`listing` naming them as set `set_id` (appended to); returns
    the processes."""
    with open(os.path.join(work, listing), "a") as f:
        for i, port in enumerate(ports):
            f.write(f"{set_id} {destination(port, transport)} 0 0 duid={transport}-uas{i + 1}\n")
    return [subprocess.Popen(["sipp", "-sf", uas_scenario(work, ring_ms), "-aa", "-i", "127.0.0.1",
                              "-p", str(port), "-nostdin"] + transport_options(transport),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work) for port in ports]


def start_uas_behind(count, work, transport="udp", set_id=1, listing="dispatcher.list", ring_ms=0):
    """One SIPp UAS on every address of the host (0.0.0.0) and `count` destinations naming it at
    as many loopback addresses across 127.0.0.0/8 (127.10.0.1, 127.10.0.2, …): a large set that one
    process answers. Returns the processes."""
    port = free_port()
    with open(os.path.join(work, listing), "a") as f:
        for i in range(count):
            f.write(f"{set_id} {destination(port, transport).replace('127.0.0.1', spread_host(i))} 0 0 duid=uas{i + 1}\n")
    return [subprocess.Popen(["sipp", "-sf", uas_scenario(work, ring_ms), "-aa", "-i", "0.0.0.0",
                              "-p", str(port), "-nostdin"] + transport_options(transport),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work)]


def uac_command(target_port, rate, calls, stat, timeout, *extra):
    """A SIPp UAC (uac-rr.xml) at `rate` for `calls` calls toward siplb on `target_port`, each call
    hanging up at once, statistics every second into `stat`, ending on its own after `timeout`
    seconds; `extra` SIPp options follow."""
    return ["sipp", f"127.0.0.1:{target_port}", "-sf", os.path.join(HERE, "uac-rr.xml"), "-i", "127.0.0.1",
            "-p", str(free_port()), "-r", str(rate), "-m", str(calls), "-d", "0", "-nostdin",
            "-timeout", str(timeout), "-timeout_error", "-trace_stat", "-stf", stat, "-fd", "1"] + list(extra)


def run_step(target_port, rate, seconds, work, scenario=os.path.join(HERE, "uac-rr.xml"), transport="udp",
             ring_ms=0):
    """One SIPp UAC run at `rate` for `seconds` over `transport`, bounded in wall-clock time (calls
    ringing `ring_ms` each are let run that many more at once); returns (calls, failed, response
    times in ms, exit code or "overrun")."""
    for old in glob.glob(os.path.join(work, "*_rtt.csv")):
        os.remove(old)
    calls = rate * seconds
    stat = os.path.join(work, f"stat-{target_port}-{rate}.csv")
    code = bounded_run(["sipp", f"127.0.0.1:{target_port}", "-sf", scenario,
                        "-i", "127.0.0.1", "-p", str(free_port()), "-r", str(rate), "-m", str(calls),
                        "-l", str(max(rate * (4 + -(-ring_ms // 1000)), 100)), "-d", "0", "-nostdin", "-timeout", str(seconds * 3),
                        # a 180 overtaken by its 200 (multi-process proxies reorder) is not a failed call
                        "-default_behaviors", "all,-abortunexp",
                        "-timeout_error", "-trace_rtt", "-rtt_freq", "1", "-trace_stat", "-stf", stat, "-fd", "1"]
                       + transport_options(transport),
                       seconds * 3 + 30, f"the SIPp step at {rate} calls/s for {seconds} s",
                       cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # an overrun step: what SIPp's statistics file holds, every call it has no figure for failed
    failed = read_failed(stat, calls)
    if code is None:
        failed = calls if failed < 0 else failed
        code = "overrun"
    return calls, failed, rtd_values(work), code


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="200,400,800,1200,1600")
    parser.add_argument("--seconds", type=int, default=20, help="duration of each step")
    parser.add_argument("--jar", default=os.path.join(ROOT, "lb-transport", "target", "siplb.jar"))
    parser.add_argument("--set", action="append", default=[], help="extra siplb --set key=value")
    parser.add_argument("--ring-ms", type=int, default=0,
                        help="the UAS rings this long between its 180 and its 200 (calls then wait that long "
                             "in siplb as live INVITE transactions; response times include it)")
    add_runtime_arguments(parser)
    parser.add_argument("--transport", choices=("udp", "tcp"), default="udp",
                        help="every leg over UDP, or over TCP (one connection per peer)")
    parser.add_argument("--destinations", type=int, default=2,
                        help="destinations in the set: 2 SIPp UAS, or above 2 that many addresses across "
                             "127.0.0.0/8 all answered by one SIPp UAS")
    parser.add_argument("--reload-every", type=float, default=0,
                        help="change and reload the destination list every this many seconds of each step")
    args = parser.parse_args()
    if shutil.which("sipp") is None:
        sys.exit("sipp is not installed: apt-get install sip-tester")
    if not os.path.exists(args.jar):
        sys.exit(f"{args.jar} is missing: mvn -B -q -DskipTests package")

    work = tempfile.mkdtemp(prefix="siplb-load-")
    uas_ports = [free_port(), free_port()]
    lb_port = free_port()
    processes = []
    try:
        processes += (start_uas(uas_ports, work, args.transport, ring_ms=args.ring_ms) if args.destinations <= 2
                      else start_uas_behind(args.destinations, work, args.transport, ring_ms=args.ring_ms))
        admin_port = free_port()
        command = siplb_command(args.jar, f"siplb.listen={args.transport}:127.0.0.1:{lb_port}",
                                f"siplb.destinations.file={work}/dispatcher.list",
                                f"siplb.admin.listen=127.0.0.1:{admin_port}", *args.set,
                                java=args.java, jvm_args=args.jvm_arg)
        lb = subprocess.Popen(command, stdout=open(os.path.join(work, "siplb.log"), "w"), stderr=subprocess.STDOUT)
        processes.append(lb)
        wait_until_serving(os.path.join(work, "siplb.log"), lb)
        print(f"{'rate':>6} {'calls':>7} {'failed':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'cpu s/1000 calls':>17}"
              f" {'gc ms':>7} {'pauses':>6}" + ("  late>5ms late>20ms reloads" if args.reload_every else ""))
        best = 0
        for rate in [int(r) for r in args.rates.split(",")]:
            before = cpu_seconds(lb.pid)
            metrics = scrape(admin_port)
            gc, late = gc_totals(metrics), late_samples(metrics, (5, 20))
            reloader = Reloader(admin_port, os.path.join(work, "dispatcher.list"), args.reload_every) \
                if args.reload_every else None
            calls, failed, rtd, code = run_step(lb_port, rate, args.seconds, work, transport=args.transport,
                                                ring_ms=args.ring_ms)
            reloads = reloader.stop() if reloader else 0
            cpu = cpu_seconds(lb.pid) - before
            metrics = scrape(admin_port)
            gc = [after - earlier for after, earlier in zip(gc_totals(metrics), gc)]
            late = [after - earlier for after, earlier in zip(late_samples(metrics, (5, 20)), late)]
            print(f"{rate:>6} {calls:>7} {failed:>7} {percentile(rtd, 50):>7.1f} {percentile(rtd, 95):>7.1f} "
                  f"{percentile(rtd, 99):>7.1f} {cpu / calls * 1000:>17.3f} {gc[0]:>7.0f} {gc[1]:>6.0f}"
                  + (f"  {late[0]:>8.0f} {late[1]:>9.0f} {reloads:>7}" if args.reload_every else "")
                  + ("  OVERRUN" if code == "overrun" else ""), flush=True)
            if failed == 0 and code == 0:
                best = max(best, rate)
        print(f"highest rate with zero failed calls: {best} calls/s (work files in {work})")
    finally:
        stop(processes)


class Reloader:
    """Every `every` seconds, on a thread of its own: toggles the priority of the list's last line
    (so the reload really changes the list) and asks siplb to reload it (POST /dispatcher/reload)."""

    def __init__(self, admin_port, listing, every):
        self.admin_port, self.listing, self.every = admin_port, listing, every
        self.done = threading.Event()
        self.reloads = 0
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.done.wait(self.every):
            with open(self.listing) as f:
                lines = f.read().splitlines()
            words = lines[-1].split(" ")
            words[3] = "1" if words[3] == "0" else "0"
            lines[-1] = " ".join(words)
            with open(self.listing, "w") as f:
                f.write("\n".join(lines) + "\n")
            request = urllib.request.Request(f"http://127.0.0.1:{self.admin_port}/dispatcher/reload", method="POST")
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
            self.reloads += 1

    def stop(self):
        self.done.set()
        self.thread.join(60)
        return self.reloads


def stop(processes):
    """SIGTERM to every process still running, then wait up to 15 s each before killing it."""
    for p in processes:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in processes:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()


def read_failed(path, offered=None):
    """Calls that did not complete: `offered` (else SIPp's TotalCallCreated) minus SIPp's
    SuccessfulCall(C), so that a call left hanging (an unexpected 503 ignored, a timeout) counts as
    failed, not only FailedCall(C) — and so do calls of a run whose last statistics line SIPp never
    wrote (a run that ended on its -timeout writes none: TotalCallCreated then reads 0)."""
    try:
        with open(path) as f:
            rows = list(csv.reader(f, delimiter=";"))
    except OSError:
        return -1
    header, last = rows[0], rows[-1]
    successful = int(last[header.index("SuccessfulCall(C)")])
    created = int(last[header.index("TotalCallCreated")])
    return (offered if offered is not None else created) - successful


if __name__ == "__main__":
    main()
