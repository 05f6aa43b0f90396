#!/usr/bin/env python3
"""The highest call rate siplb and Kamailio each carry on one core, same run, same generator.

Each system runs pinned to one core (taskset -c --core, 0 by default): siplb with bin/siplb's JVM
settings (the JVM then sees one processor and runs one event loop), Kamailio with the dispatcher
config of sidebyside/compare.py and one UDP worker (children=1; every Kamailio process on that
core). The load comes from the call rig (io.siplb.benchmarks.rig.CallRig in the benchmarks jar),
one per system, pinned to the other core (--rig-core): a UAC with open-loop arrivals and two
stateless UASes on one Netty event loop, whose own CPU per call is printed beside the system's.
Both systems are warmed alike (5 s at 500, 10 s at 1000 calls/s), then the rig steps through
--rates, alternating the systems at every rate; a system that fails two steps running is not
offered higher rates. A step passes with no failed call and a p99 response time (INVITE due to
200) under 50 ms; a system's ceiling is the highest rate that passes with every lower one passing.
Capacity per core is the calls completed per CPU-second of the system at that step. Each step
also prints the system's CPU seconds per second of the step's offered length ("cpu/s": near 1, the
core is full; a step that ran on while a backlog drained can read above 1). --rig-tick-ms N has the
rigs send what is due every N ms, in bursts, instead of every millisecond.

--check-sipp RATE also runs SIPp's UAC (uac-rr.xml, as load.py and compare.py do) against siplb at
RATE with the rig's UASes behind it, then the rig at RATE: siplb's CPU per call under each
generator, and each generator's own CPU per call (SIPp: its UAC process; the rig: its whole JVM,
UAC and UAS), so that the two generators can be compared.

Needs: mvn -B -q -DskipTests package (siplb.jar and benchmarks.jar), taskset (util-linux),
kamailio (apt-get install kamailio) and, for --check-sipp, sipp (apt-get install sip-tester).
Installs nothing; everything binds to 127.0.0.1 and is stopped at the end.

  python3 lb-benchmarks/sipp/ceiling.py --rates 2000,3000,4000,5000,6000 --seconds 10 --check-sipp 1500
"""
import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "sidebyside"))
import load  # noqa: E402
import compare  # noqa: E402  (Kamailio's config, process-tree CPU, System)

BENCHMARKS = os.path.join(ROOT, "lb-benchmarks", "target", "benchmarks.jar")


class Rig:
    """A CallRig process pinned to `core`, loading `target_port`."""

    def __init__(self, core, target_port, work, name, jvm_args=(), tick_ms=1):
        self.log = open(os.path.join(work, f"rig-{name}.log"), "w")
        self.process = subprocess.Popen(["taskset", "-c", str(core), "java", "-Xms256m", "-Xmx256m", *jvm_args, "-cp", BENCHMARKS,
                                         "io.siplb.benchmarks.rig.CallRig", "--target", f"127.0.0.1:{target_port}",
                                         "--tick-ms", str(tick_ms)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.uas = self.reply("uas ").split()[1].split(",")

    def reply(self, prefix):
        """The rig's next output line starting with `prefix` (the JVM may print its own first)."""
        while True:
            line = self.process.stdout.readline()
            if line.startswith(prefix):
                return line
            if not line or line.startswith("error"):
                sys.exit(f"the rig stopped or failed: {line!r}; see {self.log.name}")

    def run(self, rate, seconds):
        self.process.stdin.write(f"run {rate} {seconds}\n")
        self.process.stdin.flush()
        line = self.reply("step ")
        return {k: float(v) for k, v in (w.split("=") for w in line.split()[1:])}

    def stop(self):
        if self.process.poll() is None:
            self.process.stdin.write("quit\n")
            self.process.stdin.flush()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def listing(work, name, uas):
    path = os.path.join(work, f"{name}.list")
    with open(path, "w") as f:
        for i, address in enumerate(uas):
            f.write(f"1 sip:{address} 0 0 duid=rig-uas{i + 1}\n")
    return path


def start_systems(args, work):
    """(system, rig) pairs: siplb and Kamailio with one worker, each pinned to --core."""
    pairs = []
    siplb_port = load.free_port()
    rig = Rig(args.rig_core, siplb_port, work, "siplb", args.rig_jvm_arg, args.rig_tick_ms)
    command = ["taskset", "-c", str(args.core)] + load.siplb_command(
        args.jar, f"siplb.listen=udp:127.0.0.1:{siplb_port}", f"siplb.destinations.file={listing(work, 'siplb', rig.uas)}",
        "siplb.admin.listen=", java=args.java) + [x for s in args.set for x in ("--set", s)]
    pairs.append((compare.System("siplb", command, siplb_port, work), rig))
    if not args.no_kamailio:
        modules = load.kamailio_modules()
        port = load.free_port()
        rig = Rig(args.rig_core, port, work, "kam-1", args.rig_jvm_arg, args.rig_tick_ms)
        cfg = os.path.join(work, "kamailio-1.cfg")
        with open(cfg, "w") as f:
            f.write(compare.KAMAILIO_CFG.format(children=1, port=port, modules=modules,
                                                list=listing(work, "kam-1", rig.uas), tcp_listen="disable_tcp=yes"))
        system = compare.kamailio("kam-1", cfg, port, work)
        system.command = ["taskset", "-c", str(args.core)] + system.command
        pairs.append((system, rig))
    return pairs


def step(system, rig, rate, seconds):
    before = compare.cpu(system.process.pid)
    result = rig.run(rate, seconds)
    result["cpu_s"] = compare.cpu(system.process.pid) - before
    result["passed"] = result["failed"] == 0 and result["completed"] == result["offered"] and result["p99_ms"] < 50
    return result


def line(name, r):
    per_1000 = r["cpu_s"] / max(r["completed"], 1) * 1000
    rig_per_1000 = r["rig_cpu_s"] / max(r["completed"], 1) * 1000
    return (f"{name:>7} {int(r['rate']):>6} {int(r['completed']):>8} {int(r['failed']):>7} {r['p50_ms']:>7.2f} "
            f"{r['p99_ms']:>8.2f} {r['max_ms']:>8.1f} {per_1000:>10.3f} {r['cpu_s'] / r['seconds']:>6.2f} "
            f"{rig_per_1000:>10.3f}  {'pass' if r['passed'] else 'FAIL'}")


def check_sipp(args, system, rig, work):
    """siplb's CPU per call under SIPp's UAC and under the rig at the same rate."""
    rate, seconds = args.check_sipp, args.seconds
    before, children = compare.cpu(system.process.pid), resource.getrusage(resource.RUSAGE_CHILDREN)
    calls, failed, rtd, code = load.run_step(system.port, rate, seconds, work)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = compare.cpu(system.process.pid) - before
    sipp_cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    time.sleep(3)
    r = step(system, rig, rate, seconds)
    print(f"\ncheck at {rate} calls/s for {seconds} s, siplb's CPU s per 1000 calls and the generator's own:")
    print(f"  SIPp UAC: {calls} calls, {failed} failed, p50 {load.percentile(rtd, 50):.1f} ms, p99 "
          f"{load.percentile(rtd, 99):.1f} ms; siplb {used / calls * 1000:.3f}; SIPp's UAC {sipp_cpu / calls * 1000:.3f}")
    print(f"  call rig: {int(r['completed'])} calls, {int(r['failed'])} failed, p50 {r['p50_ms']:.2f} ms, p99 "
          f"{r['p99_ms']:.2f} ms; siplb {r['cpu_s'] / r['completed'] * 1000:.3f}; the rig (UAC and UAS) "
          f"{r['rig_cpu_s'] / r['completed'] * 1000:.3f}, {r['rig_sys_s'] / max(r['rig_cpu_s'], 1e-9):.0%} of it in the kernel")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="2000,3000,4000,5000,6000")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--core", type=int, default=0, help="the core each system is pinned to")
    parser.add_argument("--rig-core", type=int, default=1, help="the core the rigs are pinned to")
    parser.add_argument("--check-sipp", type=int, default=0, help="a rate to check the rig against SIPp at (siplb)")
    parser.add_argument("--no-kamailio", action="store_true")
    parser.add_argument("--jar", default=os.path.join(ROOT, "lb-transport", "target", "siplb.jar"))
    parser.add_argument("--java", default="java", help="the java command siplb runs with")
    parser.add_argument("--set", action="append", default=[], help="extra siplb --set key=value")
    parser.add_argument("--rig-jvm-arg", action="append", default=[], help="a JVM option for the rigs")
    parser.add_argument("--rig-tick-ms", type=int, default=1,
                        help="how often the rigs send the INVITEs due (1: evenly; more: a burst per tick)")
    args = parser.parse_args()
    for tool, package in (("taskset", "util-linux"), ("kamailio", "kamailio"), ("sipp", "sip-tester")):
        if shutil.which(tool) is None and not (tool == "kamailio" and args.no_kamailio) \
                and not (tool == "sipp" and not args.check_sipp):
            sys.exit(f"missing: {tool} (apt-get install {package}); nothing was installed")
    for jar in (args.jar, BENCHMARKS):
        if not os.path.exists(jar):
            sys.exit(f"{jar} is missing: mvn -B -q -DskipTests package")
    work = tempfile.mkdtemp(prefix="siplb-ceiling-")
    pairs = start_systems(args, work)
    rates = [int(r) for r in args.rates.split(",")]
    results = {system.name: {} for system, _ in pairs}
    try:
        for system, rig in pairs:
            system.start()
        for system, rig in pairs:  # warmed alike, the rig's JIT with them
            rig.run(500, 5)
            rig.run(1000, 10)
        print(f"{'system':>7} {'rate':>6} {'calls':>8} {'failed':>7} {'p50 ms':>7} {'p99 ms':>8} {'max ms':>8} "
              f"{'cpu s/1000':>10} {'cpu/s':>6} {'rig s/1000':>10}", flush=True)
        for rate in rates:
            for system, rig in pairs:
                done = results[system.name]
                if sum(1 for r in list(done.values())[-2:] if not r["passed"]) == 2:
                    continue
                done[rate] = step(system, rig, rate, args.seconds)
                print(line(system.name, done[rate]), flush=True)
                time.sleep(3)  # the last calls' transactions end
        print("\nceiling on one core (zero failures, p99 < 50 ms, every lower rate too):")
        for name, done in results.items():
            top = 0
            for rate in rates:
                if rate not in done or not done[rate]["passed"]:
                    break
                top = rate
            if top:
                r = done[top]
                print(f"  {name}: {top} calls/s, {r['completed'] / r['cpu_s']:.0f} calls per CPU-second there "
                      f"({r['cpu_s'] / r['seconds']:.2f} CPU s per second offered)")
            else:
                print(f"  {name}: below {rates[0]} calls/s")
        if args.check_sipp:
            check_sipp(args, pairs[0][0], pairs[0][1], work)
        print(f"(work files in {work})")
    finally:
        for system, rig in pairs:
            rig.stop()
            system.stop()


if __name__ == "__main__":
    main()
