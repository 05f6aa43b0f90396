#!/usr/bin/env python3
"""What reloading a large destination list costs an idle balancer's event loops.

Starts siplb (lb-transport/target/siplb.jar, with bin/siplb's JVM settings) with --destinations
destinations across 127.0.0.0/8 and no probing, lets its first seconds pass, counts its loops' lag
samples later than 5, 20 and 50 ms (siplb_loop_lag_late_total) over --seconds quiet seconds, then
over as many seconds in which the list is changed and reloaded every second (load.Reloader).
--jvm-arg adds a JVM option (-Xlog:gc, a flight recording), --java names another runtime.
Needs a built jar; no SIPp (no calls are made).

  python3 lb-benchmarks/sipp/reload.py --destinations 10000 --seconds 10 --runs 2

Everything binds to 127.0.0.1 and the balancer is stopped at the end.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import load  # noqa: E402


def one_run(args):
    work = tempfile.mkdtemp(prefix="siplb-reload-")
    listing = os.path.join(work, "dispatcher.list")
    with open(listing, "w") as f:
        for i in range(args.destinations):
            f.write(f"1 sip:{load.spread_host(i)}:5060 0 0 duid=d{i + 1}\n")
    admin = load.free_port()
    command = load.siplb_command(args.jar, f"siplb.listen=udp:127.0.0.1:{load.free_port()}",
                                 f"siplb.destinations.file={listing}", f"siplb.admin.listen=127.0.0.1:{admin}",
                                 "siplb.probe.interval=0", java=args.java, jvm_args=args.jvm_arg)
    log = os.path.join(work, "siplb.log")
    lb = subprocess.Popen(command, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    try:
        load.wait_until_serving(log, lb)
        time.sleep(12)  # past the first seconds after start

        def late():
            return load.late_samples(load.scrape(admin), (5, 20, 50))

        start = late()
        time.sleep(args.seconds)
        quiet = [b - a for a, b in zip(start, late())]
        start = late()
        reloader = load.Reloader(admin, listing, 1.0)
        time.sleep(args.seconds + 0.5)
        reloads = reloader.stop()
        busy = [b - a for a, b in zip(start, late())]
        print(f"quiet {args.seconds} s: late >5/20/50 ms {quiet}; {reloads} reloads of {args.destinations} "
              f"destinations in {args.seconds} s: {busy}", flush=True)
    finally:
        load.stop([lb])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--destinations", type=int, default=10000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=2)
    load.add_runtime_arguments(parser)
    parser.add_argument("--jar", default=os.path.join(load.ROOT, "lb-transport", "target", "siplb.jar"))
    args = parser.parse_args()
    if not os.path.exists(args.jar):
        sys.exit(f"{args.jar} is missing: mvn -B -q -DskipTests package")
    for _ in range(args.runs):
        one_run(args)


if __name__ == "__main__":
    main()
