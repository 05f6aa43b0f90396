#!/usr/bin/env python3
"""Calls through siplb with UDP datagrams lost on every hop: what completes, against what the SIP
timers allow.

Everything runs in a network namespace of its own (ip netns, created here and deleted at the end)
whose loopback drops a share of the UDP datagrams it delivers (nftables, `numgen random` on the
input hook, so a sender never sees an error, as on a real lossy path; --hook output drops siplb's
own datagrams as a local firewall does, its send failing with EPERM): a SIPp UAC (uac-rr.xml:
INVITE, 200, ACK, BYE along the Record-Route set) calls through siplb (bin/siplb's JVM settings)
to two SIPp UAS (uas-rr.xml), every hop losing --loss percent in each direction. It prints, per
run, the calls completed, the failed ones by the message that failed them (from SIPp's error
trace and siplb's counters), and the bound: the share of calls one would expect to complete if
every transaction retransmitted on its SIP timers until it succeeded or its timer ran out (see
bound() for the model).

Needs root (ip netns, nft: Debian iproute2 and nftables), sipp (sip-tester), a built jar.

  sudo python3 lb-benchmarks/sipp/loss.py --loss 3 --calls 300 --rate 30 --runs 3
  sudo python3 lb-benchmarks/sipp/loss.py --loss 10 --calls 300 --rate 30 --set siplb.failover.timeout=4s

Every process binds to 127.0.0.1 inside the namespace and is stopped at the end.
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import load  # noqa: E402


def sh(*command, check=True):
    return subprocess.run(list(command), check=check, capture_output=True, text=True, timeout=30)


class Namespace:
    """A network namespace with loopback up and `loss` percent of UDP datagrams dropped on input."""

    def __init__(self):
        self.name = f"siplb-loss-{os.getpid()}"
        sh("ip", "netns", "add", self.name)
        self.run("ip", "link", "set", "lo", "up")
        self.run("nft", "add", "table", "inet", "loss")

    def lose(self, loss, hook, lb_port):
        """Drops `loss` percent of the UDP datagrams on each hop: on delivery (input), or — hook
        "output" — those siplb sends as they leave it, so that its send fails with EPERM as behind
        a local firewall, and the other hops' on delivery (SIPp aborts a call whose own send fails,
        which would measure SIPp, not siplb)."""
        chains = [("input", "udp sport != " + str(lb_port) if hook == "output" else "meta l4proto udp")]
        if hook == "output":
            chains.append(("output", "udp sport " + str(lb_port)))
        for chain, match in chains:
            self.run("nft", "add", "chain", "inet", "loss", chain, "{ type filter hook " + chain + " priority 0 ; }")
            self.run("nft", "add", "rule", "inet", "loss", chain, *match.split(), "numgen", "random", "mod", "1000",
                     "<", str(int(loss * 10)), "counter", "drop")

    def prefix(self):
        return ["ip", "netns", "exec", self.name]

    def run(self, *command):
        return sh(*(self.prefix() + list(command)))

    def dropped(self):
        out = sh(*(self.prefix() + ["nft", "list", "table", "inet", "loss"])).stdout
        return sum(int(line.split("counter packets")[1].split()[0]) for line in out.splitlines()
                   if "counter packets" in line)

    def close(self):
        sh("ip", "netns", "del", self.name, check=False)


def scrape(ns, port):
    out = subprocess.run(ns.prefix() + ["python3", "-c", "import sys,urllib.request;"
                                        "print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())",
                                        f"http://127.0.0.1:{port}/metrics"], capture_output=True, text=True,
                         timeout=30).stdout
    return load.parse_metrics(out)


def bound(loss, calls):
    """Calls expected to complete if every transaction retransmits on its timers until it gets
    through. Model: each transaction is one request and its final response over two lossy hops
    each way (UAC-siplb-UAS), each hop losing `loss`; a try succeeds with (1-loss)^4, and the UAC's
    INVITE (Timer A up to Timer B, 7 sends in 32 s) and BYE (Timer E, 11 sends in 32 s) get that
    many tries; the ACK is covered by the UAS resending its 200 (Timer G: 7 sends in 32 s). A call
    fails when any of its three exchanges runs out of tries."""
    p = (1 - loss) ** 4
    invite = 1 - (1 - p) ** 7
    ack = 1 - (1 - (1 - loss) ** 2) ** 7
    bye = 1 - (1 - p) ** 11
    return calls * invite * ack * bye


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loss", type=float, default=3.0, help="percent of UDP datagrams dropped on each hop")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rate", type=int, default=30)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--jar", default=os.path.join(load.ROOT, "lb-transport", "target", "siplb.jar"))
    parser.add_argument("--set", action="append", default=[], help="extra siplb --set key=value")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--hook", choices=("input", "output"), default="input",
                        help="where datagrams are dropped: input (the path loses them) or output (siplb's own "
                             "firewall: its sends fail with EPERM; the other hops lose on input)")
    parser.add_argument("--trace", action="store_true", help="SIPp message traces (-trace_msg) in the work directory")
    args = parser.parse_args()
    for tool, package in (("sipp", "sip-tester"), ("nft", "nftables"), ("ip", "iproute2")):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install {package}")
    if os.geteuid() != 0:
        sys.exit("needs root (ip netns, nft)")
    if not os.path.exists(args.jar):
        sys.exit(f"{args.jar} is missing: mvn -B -q -DskipTests package")
    print(f"loss {args.loss}% per hop, {args.calls} calls at {args.rate}/s; bound (timers) "
          f"{bound(args.loss / 100, args.calls):.1f} calls")
    for run in range(1, args.runs + 1):
        completed, failed, details = run_once(args)
        print(f"run {run}: completed {completed} of {args.calls}, failed {failed}; {details}", flush=True)


def run_once(args):
    work = tempfile.mkdtemp(prefix="siplb-loss-")
    ns = Namespace()
    processes = []
    try:
        uas_ports = [load.free_port(), load.free_port()]
        lb_port, admin_port = load.free_port(), load.free_port()
        ns.lose(args.loss, args.hook, lb_port)
        with open(os.path.join(work, "dispatcher.list"), "w") as f:
            for i, port in enumerate(uas_ports):
                f.write(f"1 sip:127.0.0.1:{port} 0 0 duid=uas{i + 1}\n")
        for port in uas_ports:
            processes.append(subprocess.Popen(ns.prefix() + ["sipp", "-sf", os.path.join(HERE, "uas-rr.xml"),
                                                             "-aa", "-i", "127.0.0.1", "-p", str(port), "-nostdin",
                                                             # an INVITE retransmitted after its 200 was lost
                                                             # is not a reason to drop the call: without this
                                                             # SIPp's UAS aborted it and stopped resending its
                                                             # 200, and the caller waited until SIPp's timeout
                                                             "-default_behaviors", "all,-abortunexp",
                                                             "-trace_err", "-error_file",
                                                             os.path.join(work, f"uas-{port}-errors.log")]
                                              + (["-trace_msg", "-message_file",
                                                  os.path.join(work, f"uas-{port}-messages.log")] if args.trace else []),
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work))
        command = ns.prefix() + load.siplb_command(args.jar, f"siplb.listen=udp:127.0.0.1:{lb_port}",
                                                   f"siplb.destinations.file={work}/dispatcher.list",
                                                   f"siplb.admin.listen=127.0.0.1:{admin_port}", *args.set)
        log = os.path.join(work, "siplb.log")
        lb = subprocess.Popen(command, stdout=open(log, "w"), stderr=subprocess.STDOUT)
        processes.append(lb)
        load.wait_until_serving(log, lb)
        stat = os.path.join(work, "uac-stat.csv")
        seconds = args.calls // args.rate + 1
        code = load.bounded_run(ns.prefix() + load.uac_command(
                                    lb_port, args.rate, args.calls, stat, seconds + 90,
                                    "-trace_err", "-error_file", os.path.join(work, "uac-errors.log"),
                                    "-default_behaviors", "all,-abortunexp"),
                                seconds + 120, "the lossy SIPp run", cwd=work,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        failed = load.read_failed(stat, args.calls)
        metrics = scrape(ns, admin_port)
        sent = {k.split('class="')[1][0]: int(v) for k, v in metrics.items()
                if k.startswith("siplb_responses_sent_total{")}
        details = (f"siplb sent {sent}, retransmissions sent {int(metrics.get('siplb_retransmissions_sent_total', 0))}"
                   f", absorbed {int(metrics.get('siplb_retransmissions_absorbed_total', 0))}"
                   f", send failures {int(metrics.get('siplb_send_failures_total', 0))}"
                   f", datagrams dropped by the rig {ns.dropped()}"
                   + ("; SIPp OVERRAN its bound" if code is None else "")
                   + (f"; work files in {work}" if args.keep or failed else ""))
        return args.calls - failed, failed, details
    finally:
        load.stop(processes)
        ns.close()
        if not args.keep and not failed_run(work):
            shutil.rmtree(work, ignore_errors=True)


def failed_run(work):
    """Whether a run left failed calls to look at (SIPp wrote an error trace)."""
    return any(os.path.getsize(path) > 0 for path in glob.glob(os.path.join(work, "*errors.log")))


if __name__ == "__main__":
    main()
