#!/usr/bin/env python3
"""siplb against Kamailio's dispatcher, side by side, same machine, same SIPp load.

Runs Kamailio (a config equivalent to siplb's default policy: ds_select_dst round-robin,
t_on_failure + ds_next_dst on 5xx and timeouts, ds_mark_dst, Record-Route, OPTIONS probing) and
siplb, each in front of the same two SIPp UAS on loopback (uas-rr.xml), warms both up (5 s at 500 and 10 s at
1000 calls/s), then steps a SIPp UAC (INVITE, 200, ACK and BYE along the Record-Route set) through
the offered rates, alternating the two systems at every rate. For each it prints failed calls, response-time percentiles and CPU seconds per 1000
calls (all processes of the system, from /proc), then: the highest rate with zero failed calls,
CPU per call at the highest rate both sustain, and the calls each completes at twice Kamailio's
zero-failure rate — with siplb/Kamailio ratios from this one run.

With --transports udp,tcp each system also listens on TCP, in front of two more SIPp UAS over TCP
(set 2; every TCP leg one connection, SIPp -t t1), and every rate is run over each transport; the
summary is given per transport.

Installs nothing. Needs: sipp (apt-get install sip-tester), kamailio (apt-get install kamailio),
a built siplb jar (mvn -B -q -DskipTests package).

  python3 lb-benchmarks/sidebyside/compare.py --rates 500,1000,1500,2000,2500,3000 --seconds 10
  python3 lb-benchmarks/sidebyside/compare.py --transports udp,tcp --rates 500,1000,1500 --seconds 10
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

KAMAILIO_CFG = """#!KAMAILIO
# Written by siplb's compare.py: Kamailio's dispatcher with siplb's default policy.
debug=-1
log_stderror=yes
children={children}
tcp_children={children}
listen=udp:127.0.0.1:{port}
{tcp_listen}
mpath="{modules}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "pv.so"
loadmodule "dispatcher.so"
modparam("tm", "fr_timer", 2000)
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
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="500,1000,1500,2000,2500,3000")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--children", type=int, default=4, help="Kamailio UDP worker processes")
    parser.add_argument("--jar", default=os.path.join(ROOT, "lb-transport", "target", "siplb.jar"))
    parser.add_argument("--transports", default="udp", help="udp, tcp or udp,tcp: the transport of every leg")
    args = parser.parse_args()
    transports = [t.strip() for t in args.transports.split(",")]
    if any(t not in ("udp", "tcp") for t in transports):
        sys.exit("--transports takes udp and/or tcp")
    missing = [tool for tool, package in (("sipp", "sip-tester"), ("kamailio", "kamailio")) if shutil.which(tool) is None]
    if missing:
        sys.exit("missing: " + ", ".join(missing) + " (apt-get install sip-tester kamailio); nothing was installed")
    if not os.path.exists(args.jar):
        sys.exit(f"{args.jar} is missing: mvn -B -q -DskipTests package")
    modules = next((d for d in ("/usr/lib/x86_64-linux-gnu/kamailio/modules", "/usr/lib/kamailio/modules")
                    if os.path.isdir(d)), None)
    if modules is None:
        sys.exit("cannot find Kamailio's modules directory")

    work = tempfile.mkdtemp(prefix="siplb-compare-")
    listing = os.path.join(work, "dispatcher.list")
    uas = load.start_uas([load.free_port(), load.free_port()], work, "udp", 1)
    if "tcp" in transports:
        uas += load.start_uas([load.free_port(), load.free_port()], work, "tcp", 2)
    kamailio_port, siplb_port = load.free_port(), load.free_port()
    cfg = os.path.join(work, "kamailio.cfg")
    with open(cfg, "w") as f:
        f.write(KAMAILIO_CFG.format(children=args.children, port=kamailio_port, modules=modules, list=listing,
                                    tcp_listen=f"listen=tcp:127.0.0.1:{kamailio_port}" if "tcp" in transports
                                    else "disable_tcp=yes"))
    listen = f"udp:127.0.0.1:{siplb_port}" + (f",tcp:127.0.0.1:{siplb_port}" if "tcp" in transports else "")
    siplb_command = ["java", "-jar", args.jar, "--set", f"siplb.listen={listen}",
                     "--set", f"siplb.destinations.file={listing}", "--set", "siplb.admin.listen="]
    if "tcp" in transports:  # requests that came over TCP go to the TCP destinations, as Kamailio's $pr test
        siplb_command += ["--set", "siplb.routes=tcp", "--set", f"siplb.route.tcp.match.listen=tcp:127.0.0.1:{siplb_port}",
                          "--set", "siplb.route.tcp.sets=2:round-robin"]
    systems = [
        System("kamailio", ["kamailio", "-f", cfg, "-DD", "-E", "-m", "256", "-M", "16", "-P",
                            os.path.join(work, "kamailio.pid")], kamailio_port, work),
        System("siplb", siplb_command, siplb_port, work),
    ]
    results = {(s.name, t): {} for s in systems for t in transports}
    rates = [int(r) for r in args.rates.split(",")]
    try:
        print(f"{'system':>9} {'over':>4} {'rate':>6} {'calls':>7} {'failed':>7} {'p50 ms':>7} {'p95 ms':>7} "
              f"{'p99 ms':>7} {'cpu s/1000':>11}", flush=True)
        for system in systems:  # both run for the whole comparison; the JVM gets its JIT warm-up
            system.start()
            for transport in transports:
                load.run_step(system.port, 500, 5, work, transport=transport)
                load.run_step(system.port, 1000, 10, work, transport=transport)
        for rate in rates:
            for transport in transports:
                for system in systems:  # alternating at every rate
                    before = cpu(system.process.pid)
                    calls, failed, rtd, _ = load.run_step(system.port, rate, args.seconds, work, transport=transport)
                    used = cpu(system.process.pid) - before
                    results[(system.name, transport)][rate] = (calls, failed, used)
                    time.sleep(3)  # let the last calls' transactions finish
                    print(f"{system.name:>9} {transport:>4} {rate:>6} {calls:>7} {failed:>7} "
                          f"{load.percentile(rtd, 50):>7.1f} {load.percentile(rtd, 95):>7.1f} "
                          f"{load.percentile(rtd, 99):>7.1f} {used / calls * 1000:>11.3f}", flush=True)
        for transport in transports:
            print(f"\nover {transport}:", end="")
            summary({name: r for (name, t), r in results.items() if t == transport}, rates)
        print(f"(work files in {work})")
    finally:
        for system in systems:
            system.stop()
        for p in uas:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=10)


def summary(results, rates):
    def best(name):
        """The highest rate that, and every rate below it, completed every call."""
        top = 0
        for r in sorted(rates):
            if results[name][r][1] != 0:
                break
            top = r
        return top

    kam, lb = best("kamailio"), best("siplb")
    print()
    print(f"zero-failure rate: kamailio {kam}, siplb {lb} calls/s; ratio siplb/kamailio "
          f"{lb / kam if kam else float('nan'):.2f}")
    common = [r for r in rates if r <= min(kam, lb)]
    if common:
        r = max(common)
        k_cpu = results["kamailio"][r][2] / results["kamailio"][r][0] * 1000
        s_cpu = results["siplb"][r][2] / results["siplb"][r][0] * 1000
        print(f"CPU s per 1000 calls at {r} calls/s: kamailio {k_cpu:.3f}, siplb {s_cpu:.3f}; "
              f"ratio siplb/kamailio {s_cpu / k_cpu:.2f}")
    double = 2 * kam
    if double in rates and lb:
        k_calls, k_failed, _ = results["kamailio"][double]
        s_calls, s_failed, _ = results["siplb"][double]
        seconds = s_calls / double
        print(f"at {double} calls/s offered (2 x kamailio's): completed kamailio {k_calls - k_failed}, "
              f"siplb {s_calls - s_failed} of {s_calls}; siplb's goodput there is "
              f"{(s_calls - s_failed) / seconds / lb:.0%} of its goodput at its own zero-failure rate ({lb} calls/s)")
    else:
        print(f"(add {double} to --rates to measure goodput at twice kamailio's zero-failure rate)")


if __name__ == "__main__":
    main()
