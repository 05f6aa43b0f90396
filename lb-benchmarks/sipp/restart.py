#!/usr/bin/env python3
"""A restart under traffic: SIGTERM to siplb and, at once, a successor with the same settings,
while a SIPp UAC places calls at a steady rate; how many calls fail, and for how long no process
held the port.

Two SIPp UAS on loopback (uas-rr.xml), siplb in front of them (bin/siplb's JVM settings), a SIPp
UAC (uac-rr.xml: INVITE, 200, ACK, BYE along the Record-Route set) at --rate for --seconds; at
--restart-at seconds the running siplb gets SIGTERM and the same command is started again at
once. It prints the calls offered and failed, when the first process closed (exited) and when the
successor was listening, both from the signal, and the time without a listener between them
(zero when the successor bound first: SO_REUSEPORT lets both hold the port). --new-requests
chooses what the draining process does with new requests (siplb.shutdown.new-requests).

  python3 lb-benchmarks/sipp/restart.py --rate 300 --seconds 60 --restart-at 20 --runs 2
  python3 lb-benchmarks/sipp/restart.py --rate 300 --seconds 60 --restart-at 20 --new-requests refuse

Needs sipp (apt-get install sip-tester) and a built jar. Everything binds to 127.0.0.1 and every
process is stopped at the end.
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import load  # noqa: E402


def wait_for_line(path, text, process, timeout):
    """The monotonic time at which `text` first appeared in the log at `path`; None if never."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(path) as f:
                if text in f.read():
                    return time.monotonic()
        except OSError:
            pass
        if process.poll() is not None:
            return None
        time.sleep(0.005)
    return None


def run_once(args, run):
    work = tempfile.mkdtemp(prefix="siplb-restart-")
    processes = []
    try:
        uas_ports = [load.free_port(), load.free_port()]
        processes += load.start_uas(uas_ports, work)
        lb_port = load.free_port()
        command = load.siplb_command(
            args.jar, f"siplb.listen=udp:127.0.0.1:{lb_port}", f"siplb.destinations.file={work}/dispatcher.list",
            "siplb.admin.listen=", *([f"siplb.shutdown.new-requests={args.new_requests}"] if args.new_requests else []),
            *args.set)
        first_log = os.path.join(work, "siplb-1.log")
        first = subprocess.Popen(command, stdout=open(first_log, "w"), stderr=subprocess.STDOUT)
        processes.append(first)
        load.wait_until_serving(first_log, first)
        stat = os.path.join(work, "uac-stat.csv")
        calls = args.rate * args.seconds
        uac = threading.Thread(target=lambda: results.update(code=load.bounded_run(
            load.uac_command(lb_port, args.rate, calls, stat, args.seconds + 90, "-l", str(args.rate * 40),
                             "-trace_err", "-error_file", os.path.join(work, "uac-errors.log")),
            args.seconds + 120, "the SIPp UAC", cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
        results = {}
        uac.start()
        time.sleep(args.restart_at)
        second_log = os.path.join(work, "siplb-2.log")
        signalled = time.monotonic()
        first.send_signal(signal.SIGTERM)
        second = subprocess.Popen(command, stdout=open(second_log, "w"), stderr=subprocess.STDOUT)
        processes.append(second)
        closed = {}
        threading.Thread(target=lambda: closed.update(at=first.wait() is not None and time.monotonic()),
                         daemon=True).start()
        listening = wait_for_line(second_log, " advertising ", second, 60)
        uac.join()
        first.wait(timeout=30)
        failed = load.read_failed(stat, calls)
        gone = closed.get("at", time.monotonic()) - signalled
        bound = (listening - signalled) if listening else float("nan")
        gap = max(0.0, bound - gone) if listening else float("nan")
        print(f"run {run}: {calls} calls, failed {failed}; first process closed {gone:.2f} s after SIGTERM, "
              f"successor listening {bound:.2f} s after it: {gap:.2f} s without a listener"
              + ("; SIPp OVERRAN its bound" if results.get("code") is None else "")
              + (f" (work files in {work})" if failed else ""), flush=True)
        return failed
    finally:
        load.stop(processes)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--restart-at", type=float, default=20)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--new-requests", choices=("handover", "refuse"),
                        help="siplb.shutdown.new-requests; not given: siplb's default (handover)")
    parser.add_argument("--jar", default=os.path.join(load.ROOT, "lb-transport", "target", "siplb.jar"))
    parser.add_argument("--set", action="append", default=[], help="extra siplb --set key=value")
    args = parser.parse_args()
    if not os.path.exists(args.jar):
        sys.exit(f"{args.jar} is missing: mvn -B -q -DskipTests package")
    if subprocess.run(["which", "sipp"], capture_output=True).returncode != 0:
        sys.exit("sipp is not installed: apt-get install sip-tester")
    for run in range(1, args.runs + 1):
        run_once(args, run)


if __name__ == "__main__":
    main()
