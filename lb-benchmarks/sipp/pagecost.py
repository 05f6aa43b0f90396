#!/usr/bin/env python3
"""What a connected status page costs siplb: CPU seconds per 1000 calls at --rate calls/s, with no
client on /events and with one reading it (the server's whole share of a page: the snapshot, its
JSON and the stream), alternated --runs times after a warm-up, same process, same SIPp UAC.

  python3 lb-benchmarks/sipp/pagecost.py --rate 1000 --seconds 15 --runs 3

Needs a built jar and sipp. Everything binds to 127.0.0.1 and stops at the end.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import load  # noqa: E402


def reader(port, stop, seen):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/events", timeout=10) as stream:
        while not stop.is_set():
            line = stream.readline()
            if line.startswith(b"data: "):
                seen[0] += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jar", default=os.path.join(load.ROOT, "lb-transport", "target", "siplb.jar"))
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="siplb-page-")
    uas_ports = [load.free_port(), load.free_port()]
    lb_port, admin_port = load.free_port(), load.free_port()
    processes = []
    try:
        processes += load.start_uas(uas_ports, work)
        lb = subprocess.Popen(["java", "-jar", args.jar, "--set", f"siplb.listen=udp:127.0.0.1:{lb_port}",
                               "--set", f"siplb.destinations.file={work}/dispatcher.list",
                               "--set", f"siplb.admin.listen=127.0.0.1:{admin_port}"],
                              stdout=open(os.path.join(work, "siplb.log"), "w"), stderr=subprocess.STDOUT)
        processes.append(lb)
        time.sleep(4)
        load.run_step(lb_port, args.rate, 10, work)  # warm-up
        print(f"{'run':>3} {'page':>6} {'calls':>6} {'failed':>6} {'cpu s/1000 calls':>17} {'events read':>11}")
        for run in range(1, args.runs + 1):
            for page in (False, True):
                stop, seen = threading.Event(), [0]
                thread = None
                if page:
                    thread = threading.Thread(target=reader, args=(admin_port, stop, seen), daemon=True)
                    thread.start()
                    time.sleep(1)
                before = load.cpu_seconds(lb.pid)
                calls, failed, _, _ = load.run_step(lb_port, args.rate, args.seconds, work)
                cpu = load.cpu_seconds(lb.pid) - before
                stop.set()
                print(f"{run:>3} {'yes' if page else 'no':>6} {calls:>6} {failed:>6} {cpu / calls * 1000:>17.3f} "
                      f"{seen[0]:>11}", flush=True)
    finally:
        load.stop(processes)


if __name__ == "__main__":
    main()
