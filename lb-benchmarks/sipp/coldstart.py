#!/usr/bin/env python3
"""A fresh siplb under traffic at once: how many calls a cold start costs.

Starts siplb (lb-transport/target/siplb.jar, with bin/siplb's JVM settings) in front of two SIPp
UAS, waits only until it logs that it listens, then runs a SIPp UAC (uac-rr.xml) at --rate calls/s for --seconds. Reports the
calls that did not complete and the 503s siplb sent (its own overload answer), and prints the
start-up lines siplb logged (the warm-up and the loop-lag samples of its first seconds).
Repeats --runs times, each with a new JVM. Needs a built jar and sipp (apt-get install sip-tester).

  python3 lb-benchmarks/sipp/coldstart.py --rate 300 --seconds 10 --runs 3
  python3 lb-benchmarks/sipp/coldstart.py --java /usr/lib/jvm/temurin-25-jdk-amd64/bin/java \
      --jvm-arg=-XX:AOTCache=siplb.aot --set siplb.warmup.calls=0

Everything binds to 127.0.0.1 and every process is stopped at the end.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import load  # noqa: E402  (free_port, start_uas, read_failed, stop)

HERE = os.path.dirname(os.path.abspath(__file__))


def one_run(args, work):
    uas_ports = [load.free_port(), load.free_port()]
    lb_port = load.free_port()
    admin_port = load.free_port()
    processes = []
    log_path = os.path.join(work, "siplb.log")
    try:
        processes += load.start_uas(uas_ports, work)
        command = load.siplb_command(args.jar, f"siplb.listen=udp:127.0.0.1:{lb_port}",
                                     f"siplb.destinations.file={work}/dispatcher.list",
                                     f"siplb.admin.listen=127.0.0.1:{admin_port}", *args.set, java=args.java,
                                     jvm_args=args.jvm_arg)
        started = time.monotonic()
        lb = subprocess.Popen(command, stdout=open(log_path, "w"), stderr=subprocess.STDOUT)
        processes.append(lb)
        while time.monotonic() - started < 60:
            with open(log_path) as f:
                if "listening on udp" in f.read():
                    break
            if lb.poll() is not None:
                sys.exit("siplb exited:\n" + open(log_path).read())
            time.sleep(0.02)
        ready = time.monotonic() - started
        stat = os.path.join(work, "stat.csv")
        calls = args.rate * args.seconds
        code = load.bounded_run(["sipp", f"127.0.0.1:{lb_port}", "-sf", os.path.join(HERE, "uac-rr.xml"),
                                 "-i", "127.0.0.1", "-p", str(load.free_port()), "-r", str(args.rate), "-m", str(calls),
                                 "-l", str(max(args.rate * 4, 100)), "-d", "0", "-nostdin",
                                 "-timeout", str(args.seconds * 3), "-timeout_error", "-trace_stat", "-stf", stat,
                                 "-fd", "1"],
                                args.seconds * 3 + 30, f"the SIPp run at {args.rate} calls/s",
                                cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        failed = load.read_failed(stat, calls)
        shed = scrape(admin_port, 'siplb_responses_sent_total{class="5xx"')
        lb.send_signal(signal.SIGTERM)
        lb.wait(timeout=20)
        lines = [line.rstrip() for line in open(log_path) if "warm" in line or "lag" in line]
        return ready, calls, failed, shed, "overrun" if code is None else code, lines
    finally:
        load.stop(processes)


def scrape(port, prefix):
    """The value of the first /metrics sample starting with prefix, or -1."""
    import urllib.request
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    except OSError:
        return -1
    for line in text.splitlines():
        if line.startswith(prefix):
            return int(float(line.rsplit(" ", 1)[1]))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jar", default=os.path.join(load.ROOT, "lb-transport", "target", "siplb.jar"))
    parser.add_argument("--set", action="append", default=[], help="extra siplb --set key=value")
    load.add_runtime_arguments(parser, "-XX:SharedArchiveFile=siplb.jsa")
    args = parser.parse_args()
    if shutil.which("sipp") is None:
        sys.exit("sipp is not installed: apt-get install sip-tester")
    if not os.path.exists(args.jar):
        sys.exit(f"{args.jar} is missing: mvn -B -q -DskipTests package")
    print(f"{'run':>3} {'ready s':>8} {'calls':>6} {'failed':>7} {'5xx sent':>9} {'sipp rc':>8}")
    for run in range(1, args.runs + 1):
        work = tempfile.mkdtemp(prefix="siplb-cold-")
        ready, calls, failed, shed, rc, lines = one_run(args, work)
        print(f"{run:>3} {ready:>8.2f} {calls:>6} {failed:>7} {shed:>9} {rc:>8}", flush=True)
        for line in lines:
            print("    " + line)


if __name__ == "__main__":
    main()
