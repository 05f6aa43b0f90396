#!/usr/bin/env python3
"""siplb against Kamailio's dispatcher at its best, side by side, same machine, same SIPp load.

Runs Kamailio (a config equivalent to siplb's default policy: ds_select_dst round-robin,
t_on_failure + ds_next_dst on 5xx and timeouts, ds_mark_dst, Record-Route, OPTIONS probing; with
the 4 MB UDP receive buffer siplb asks for, as maxbuffer, and 1 GB of shared memory) with 1, 2 and
4 UDP children, a stateless Kamailio (ds_select_dst and forward(), no tm: no failover, no
retransmission absorption) as the rig's ceiling, and siplb with bin/siplb's JVM settings, each in
front of the same two SIPp UAS on loopback (uas-rr.xml). Each system's cold cost is taken right
after its start: its CPU from process start to the end of 10 s at 1000 calls/s (JIT and start-up
included), per call. All are then warmed alike (5 s at 500, 10 s at 1000 calls/s) and a SIPp UAC
(INVITE, 200, ACK and BYE along the Record-Route set) steps through the offered rates, alternating
the systems at every rate. For each step it prints failed calls, response-time percentiles and CPU
seconds per 1000 calls (all processes of the system, from /proc). The summary compares siplb with
Kamailio's best configuration (the highest zero-failure rate, then the lowest warm CPU per call):
zero-failure rate (that rate and every lower one without a failed call), warm CPU per call at
--cpu-rate, cold CPU per call, p99 at every step, and the calls each completes at twice
Kamailio's best zero-failure rate (a step added when --rates lacks it). --runs repeats everything
from a fresh start; every run is reported.
Every SIPp step is bounded in wall-clock time (three times its length plus 30 s): a step that
overruns is killed, reported as OVERRUN with the calls it has no figure for counted failed, and the
run goes on.

With --transports udp,tcp each system also listens on TCP, in front of two more SIPp UAS over TCP
(set 2; every TCP leg one connection, SIPp -t t1); the stateless ceiling is then left out (it
would relay TCP statelessly).

Installs nothing. Needs: sipp (apt-get install sip-tester), kamailio (apt-get install kamailio),
a built siplb jar (mvn -B -q -DskipTests package).

  python3 lb-benchmarks/sidebyside/compare.py --rates 1000,1500,2000,2500,3000,4000 --seconds 8 --runs 2
  python3 lb-benchmarks/sidebyside/compare.py --children 2 --no-stateless --transports udp,tcp
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "sipp"))
import load  # noqa: E402  (the SIPp helpers of lb-benchmarks/sipp/load.py)

# the modules both Kamailio configs load (the stateful one adds tm before them)
MODULES = """loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "pv.so"
loadmodule "dispatcher.so"
"""

KAMAILIO_CFG = """#!KAMAILIO
# Written by siplb's compare.py: Kamailio's dispatcher with siplb's default policy.
debug=-1
log_stderror=yes
# the UDP receive buffer siplb asks for (siplb.udp.receive-buffer): Kamailio probes up to this
maxbuffer=4194304
children={children}
tcp_children={children}
listen=udp:127.0.0.1:{port}
{tcp_listen}
mpath="{modules}"
loadmodule "tm.so"
""" + MODULES + """modparam("tm", "fr_timer", 2000)
modparam("tm", "fr_inv_timer", 120000)
modparam("dispatcher", "list_file", "{list}")
modparam("dispatcher", "flags", 2)
modparam("dispatcher", "ds_ping_interval", 10)
modparam("dispatcher", "ds_probing_mode", 1)
modparam("dispatcher", "ds_probing_threshold", 1)
modparam("dispatcher", "ds_inactive_threshold", 1)

request_route {{
    if (!mf_process_maxfwd_header("70")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (has_totag()) {{
        if (loose_route()) {{ t_relay(); exit; }}
        if (is_method("ACK")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
        sl_send_reply("404", "Not here"); exit;
    }}
    if (is_method("CANCEL")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
    t_check_trans();
    if (is_method("INVITE")) {{ record_route(); }}
    # set 1: the UDP destinations, set 2 the TCP ones (what siplb's route "tcp" does)
    if ($pr == "tcp") {{ $var(set) = 2; }} else {{ $var(set) = 1; }}
    if (!ds_select_dst("$var(set)", "4")) {{ sl_send_reply("503", "Service Unavailable"); exit; }}
    t_on_failure("DISPATCH_FAILURE");
    if (!t_relay()) {{ sl_reply_error(); }}
    exit;
}}

failure_route[DISPATCH_FAILURE] {{
    if (t_is_canceled()) {{ exit; }}
    if (t_check_status("5[0-9][0-9]") || t_check_status("408") || (t_branch_timeout() && !t_branch_replied())) {{
        ds_mark_dst("ip");
        if (ds_next_dst()) {{
            t_on_failure("DISPATCH_FAILURE");
            t_relay();
            exit;
        }}
    }}
}}
"""


def pids_of(root_pid):
    """The process and all its descendants."""
    pids = [root_pid]
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True, timeout=30).stdout
    children = {}
    for line in out.splitlines():
        pid, ppid = (int(x) for x in line.split())
        children.setdefault(ppid, []).append(pid)
    i = 0
    while i < len(pids):
        pids.extend(children.get(pids[i], []))
        i += 1
    return pids


def cpu(root_pid):
    total = 0.0
    for pid in pids_of(root_pid):
        try:
            total += load.cpu_seconds(pid)
        except OSError:
            pass
    return total


class System:
    def __init__(self, name, command, port, work):
        self.name, self.command, self.port, self.work = name, command, port, work
        self.process = None

    def start(self):
        log = open(os.path.join(self.work, f"{self.name}.log"), "w")
        self.process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        if self.name == "siplb":
            load.wait_until_serving(os.path.join(self.work, "siplb.log"), self.process)
        time.sleep(4)  # both bind and load their lists
        if self.process.poll() is not None:
            sys.exit(f"{self.name} did not start; see {self.work}/{self.name}.log")

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


KAMAILIO_STATELESS_CFG = """#!KAMAILIO
# Written by siplb's compare.py: the ceiling of the rig, Kamailio's dispatcher without tm.
debug=-1
log_stderror=yes
maxbuffer=4194304
children={children}
listen=udp:127.0.0.1:{port}
disable_tcp=yes
mpath="{modules}"
""" + MODULES + """modparam("dispatcher", "list_file", "{list}")

request_route {{
    if (!mf_process_maxfwd_header("70")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (has_totag()) {{
        if (loose_route()) {{ forward(); exit; }}
        sl_send_reply("404", "Not here"); exit;
    }}
    if (is_method("INVITE")) {{ record_route(); }}
    if (!ds_select_dst("1", "4")) {{ sl_send_reply("503", "Service Unavailable"); exit; }}
    forward();
    exit;
}}
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="1000,1500,2000,2500,3000,4000")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--children", default="1,2,4", help="Kamailio UDP worker counts to try, comma-separated")
    parser.add_argument("--stateless-children", type=int, default=2, help="workers of the stateless ceiling")
    parser.add_argument("--no-stateless", action="store_true", help="leave the stateless ceiling out")
    parser.add_argument("--cpu-rate", type=int, default=1500, help="the rate warm CPU per call is compared at")
    parser.add_argument("--runs", type=int, default=1, help="whole comparisons, each from a fresh start")
    parser.add_argument("--jar", default=os.path.join(ROOT, "lb-transport", "target", "siplb.jar"))
    parser.add_argument("--set", action="append", default=[], help="extra siplb --set key=value")
    parser.add_argument("--transports", default="udp", help="udp, tcp or udp,tcp: the transport of every leg")
    load.add_runtime_arguments(parser, "-XX:AOTCache=siplb-jdk25.aot")
    args = parser.parse_args()
    transports = [t.strip() for t in args.transports.split(",")]
    if any(t not in ("udp", "tcp") for t in transports):
        sys.exit("--transports takes udp and/or tcp")
    missing = [tool for tool, package in (("sipp", "sip-tester"), ("kamailio", "kamailio")) if shutil.which(tool) is None]
    if missing:
        sys.exit("missing: " + ", ".join(missing) + " (apt-get install sip-tester kamailio); nothing was installed")
    if not os.path.exists(args.jar):
        sys.exit(f"{args.jar} is missing: mvn -B -q -DskipTests package")
    for run in range(1, args.runs + 1):
        print(f"\n=== run {run} of {args.runs} ===", flush=True)
        run_once(args, transports)


def run_once(args, transports):
    modules = load.kamailio_modules()
    work = tempfile.mkdtemp(prefix="siplb-compare-")
    listing = os.path.join(work, "dispatcher.list")
    uas = load.start_uas([load.free_port(), load.free_port()], work, "udp", 1)
    if "tcp" in transports:
        uas += load.start_uas([load.free_port(), load.free_port()], work, "tcp", 2)
    systems = []
    for children in [int(c) for c in args.children.split(",")]:
        port = load.free_port()
        cfg = os.path.join(work, f"kamailio-{children}.cfg")
        with open(cfg, "w") as f:
            f.write(KAMAILIO_CFG.format(children=children, port=port, modules=modules, list=listing,
                                        tcp_listen=f"listen=tcp:127.0.0.1:{port}" if "tcp" in transports
                                        else "disable_tcp=yes"))
        systems.append(kamailio(f"kam-{children}", cfg, port, work))
    if not args.no_stateless and transports == ["udp"]:
        port = load.free_port()
        cfg = os.path.join(work, "kamailio-stateless.cfg")
        with open(cfg, "w") as f:
            f.write(KAMAILIO_STATELESS_CFG.format(children=args.stateless_children, port=port, modules=modules,
                                                  list=listing))
        systems.append(kamailio("stateless", cfg, port, work))
    siplb_port = load.free_port()
    listen = f"udp:127.0.0.1:{siplb_port}" + (f",tcp:127.0.0.1:{siplb_port}" if "tcp" in transports else "")
    siplb_command = load.siplb_command(args.jar, java=args.java, jvm_args=args.jvm_arg) + ["--set", f"siplb.listen={listen}",
                     "--set", f"siplb.destinations.file={listing}", "--set", "siplb.admin.listen="]
    if "tcp" in transports:  # requests that came over TCP go to the TCP destinations, as Kamailio's $pr test
        siplb_command += ["--set", "siplb.routes=tcp", "--set", f"siplb.route.tcp.match.listen=tcp:127.0.0.1:{siplb_port}",
                          "--set", "siplb.route.tcp.sets=2:round-robin"]
    for extra in args.set:
        siplb_command += ["--set", extra]
    systems.append(System("siplb", siplb_command, siplb_port, work))
    results = {(s.name, t): {} for s in systems for t in transports}
    cold = {}
    rates = [int(r) for r in args.rates.split(",")]
    try:
        print(f"{'system':>9} {'over':>4} {'rate':>6} {'calls':>7} {'failed':>7} {'p50 ms':>7} {'p95 ms':>7} "
              f"{'p99 ms':>7} {'cpu s/1000':>11}", flush=True)
        for system in systems:  # each cold from its own start, while the others idle
            system.start()
            calls, failed, rtd, code = load.run_step(system.port, 1000, 10, work, transport=transports[0])
            cold[system.name] = (cpu(system.process.pid), calls, failed)
            print(f"{system.name:>9} {transports[0]:>4} {'cold':>6} {calls:>7} {failed:>7} "
                  f"{load.percentile(rtd, 50):>7.1f} {load.percentile(rtd, 95):>7.1f} {load.percentile(rtd, 99):>7.1f} "
                  f"{cold[system.name][0] / calls * 1000:>11.3f}  (from process start)"
                  + ("  OVERRUN" if code == "overrun" else ""), flush=True)
            time.sleep(3)
        for system in systems:  # all warmed alike
            for transport in transports:
                load.run_step(system.port, 500, 5, work, transport=transport)
                load.run_step(system.port, 1000, 10, work, transport=transport)

        def step(system, transport, rate):
            before = cpu(system.process.pid)
            calls, failed, rtd, code = load.run_step(system.port, rate, args.seconds, work, transport=transport)
            used = cpu(system.process.pid) - before
            p99 = load.percentile(rtd, 99)
            results[(system.name, transport)][rate] = (calls, failed, used, p99)
            time.sleep(3)  # let the last calls' transactions finish
            print(f"{system.name:>9} {transport:>4} {rate:>6} {calls:>7} {failed:>7} "
                  f"{load.percentile(rtd, 50):>7.1f} {load.percentile(rtd, 95):>7.1f} "
                  f"{p99:>7.1f} {used / calls * 1000:>11.3f}" + ("  OVERRUN" if code == "overrun" else ""),
                  flush=True)

        for rate in rates:
            for transport in transports:
                for system in systems:  # alternating at every rate
                    step(system, transport, rate)
        for transport in transports:
            by_name = {name: r for (name, t), r in results.items() if t == transport}
            kam = best_kamailio(by_name, rates, args.cpu_rate)
            double = 2 * zero_failure(by_name[kam], rates) if kam else 0
            if double and double not in rates:  # goodput at twice Kamailio's best: one more step
                for system in systems:
                    if system.name in (kam, "siplb"):
                        step(system, transport, double)
            print(f"\nover {transport}:", end="")
            summary(by_name, rates, kam, double, args.cpu_rate, {n: c for n, c in cold.items()}
                    if transport == transports[0] else {})
        print(f"(work files in {work})")
    finally:
        for system in systems:
            system.stop()
        load.stop(uas)


def kamailio(name, cfg, port, work):
    # 1 GB of shared memory: with 256 MB a backlog of transactions (fr_inv_timer is 120 s) ran the
    # pool out ("could not allocate shared memory") and cost Kamailio calls it could have carried
    return System(name, ["kamailio", "-f", cfg, "-DD", "-E", "-m", "1024", "-M", "16", "-P",
                         os.path.join(work, f"{name}.pid")], port, work)


def zero_failure(steps, rates):
    """The highest rate that, and every rate below it, completed every call."""
    top = 0
    for r in sorted(rates):
        if r not in steps or steps[r][1] != 0:
            break
        top = r
    return top


def cpu_per_1000(steps, rate):
    calls, _, used, _ = steps[rate]
    return used / calls * 1000


def best_kamailio(results, rates, cpu_rate):
    """The stateful Kamailio with the highest zero-failure rate, then the lowest warm CPU per call."""
    names = [n for n in results if n.startswith("kam-")]
    if not names:
        return None
    return max(names, key=lambda n: (zero_failure(results[n], rates),
                                     -cpu_per_1000(results[n], cpu_rate) if cpu_rate in results[n] else 0))


def summary(results, rates, kam, double, cpu_rate, cold):
    print()
    for name in results:
        top = zero_failure(results[name], rates)
        warm = f"{cpu_per_1000(results[name], cpu_rate):.3f}" if cpu_rate in results[name] else "-"
        cold_text = f"{cold[name][0] / cold[name][1] * 1000:.3f}" if name in cold else "-"
        p99 = max((results[name][r][3] for r in rates if r <= top), default=float("nan"))
        print(f"  {name:>9}: zero-failure {top:>5} calls/s, warm cpu s/1000 at {cpu_rate} {warm}, "
              f"cold cpu s/1000 (first 10 s) {cold_text}, worst p99 up to its zero-failure rate {p99:.1f} ms")
    if kam is None or "siplb" not in results:
        return
    k_top, s_top = zero_failure(results[kam], rates), zero_failure(results["siplb"], rates)
    print(f"kamailio at its best here: {kam} (zero-failure {k_top} calls/s)")
    print(f"zero-failure rate siplb/{kam}: {s_top / k_top if k_top else float('nan'):.2f}")
    if "stateless" in results:
        ceiling = zero_failure(results["stateless"], rates)
        print(f"stateless ceiling {ceiling} calls/s: siplb reaches {s_top / ceiling if ceiling else float('nan'):.0%}"
              f" of it, {kam} {k_top / ceiling if ceiling else float('nan'):.0%}")
    if cpu_rate in results[kam] and cpu_rate in results["siplb"]:
        k_cpu, s_cpu = cpu_per_1000(results[kam], cpu_rate), cpu_per_1000(results["siplb"], cpu_rate)
        print(f"warm CPU per call at {cpu_rate} calls/s siplb/{kam}: {s_cpu / k_cpu:.2f}")
    if kam in cold and "siplb" in cold:
        k_cold = cold[kam][0] / cold[kam][1]
        s_cold = cold["siplb"][0] / cold["siplb"][1]
        print(f"cold CPU per call (first 10 s) siplb/{kam}: {s_cold / k_cold:.2f}")
    if double and double in results["siplb"] and double in results[kam]:
        k_calls, k_failed, _, _ = results[kam][double]
        s_calls, s_failed, _, _ = results["siplb"][double]
        seconds = s_calls / double
        own = s_top or float("nan")
        print(f"at {double} calls/s offered (2 x {kam}'s): completed {kam} {k_calls - k_failed}, "
              f"siplb {s_calls - s_failed} of {s_calls}; siplb's goodput there is "
              f"{(s_calls - s_failed) / seconds / own:.0%} of its own zero-failure rate ({s_top} calls/s)")


if __name__ == "__main__":
    main()
