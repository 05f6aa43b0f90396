#!/usr/bin/env python3
"""What HEP capture costs: siplb sending every SIP message to a local sngrep (HEPv3 over UDP)
against the same siplb with capture off, same machine, same SIPp load, in one run.

Starts sngrep listening for HEP (sngrep -N -q -L udp:127.0.0.1:PORT, writing what it captures to a
pcap file in the work directory), two SIPp UAS, and two siplb processes with bin/siplb's JVM
settings: "off" (no siplb.hep.collector) and "hep" (siplb.hep.collector=udp:127.0.0.1:PORT). With
--baseline-jar a third, "base", runs that jar (an older build, to show what the per-call metrics
and observers cost with capture off). A SIPp UAC (INVITE, 200, ACK, BYE along the Record-Route
set) offers --rate calls/s for --seconds to each in turn, --runs times, the order rotating. For
each step: failed calls, p50/p99 response time, the loaded process's CPU seconds per 1000 calls
(utime+stime from /proc); for "hep" also the HEP packets and octets per call
(siplb_hep_sent_total, siplb_hep_sent_bytes_total from /metrics), the messages dropped, and the CPU
sngrep spent. The summary gives the ratio hep / off per run and over all runs.

With --kamailio N the same run also measures Kamailio 5.x (compare.py's stateful dispatcher
configuration, N UDP workers) without and with siptrace mirroring every message to the same
sngrep over HEPv3 (modparam trace_mode=1, hep_mode_on=1, hep_version=3): "kam-off" and "kam-hep",
their CPU taken over all Kamailio processes; the summary adds kam-hep / kam-off.

With --transport tcp the collector is instead a sink in this script that reads and discards a
HEP-over-TCP stream (sngrep listens on UDP only; Homer's heplify-server takes TCP too), and the
"collector cpu s" column is left empty.

Installs nothing. Needs: sipp (apt-get install sip-tester), sngrep (apt-get install sngrep), a
built siplb jar (mvn -B -q -DskipTests package).

  python3 lb-benchmarks/sipp/capture.py --rate 1500 --seconds 15 --runs 3
  python3 lb-benchmarks/sipp/capture.py --baseline-jar old/siplb.jar --baseline-config old/siplb.properties
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import load  # the SIPp helpers beside this file

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "sidebyside"))
import compare  # noqa: E402  (its Kamailio configuration and process handling)


def tcp_sink(port):
    """A HEP-over-TCP collector that reads and discards, on threads of this script."""
    server = socket.socket()
    server.bind(("127.0.0.1", port))
    server.listen(5)

    def drain(connection):
        while connection.recv(65536):
            pass

    def accept():
        while True:
            connection, _ = server.accept()
            threading.Thread(target=drain, args=(connection,), daemon=True).start()
    threading.Thread(target=accept, daemon=True).start()


def cpu_of(name, process):
    """CPU seconds of siplb's process, or of a Kamailio's processes all together."""
    return compare.cpu(process.pid) if name.startswith("kam") else load.cpu_seconds(process.pid)


def kamailio(name, children, work, hep_port):
    """compare.py's stateful Kamailio; with hep_port, siptrace mirrors every message there over HEPv3."""
    modules = load.kamailio_modules()
    port = load.free_port()
    text = compare.KAMAILIO_CFG.format(children=children, port=port, modules=modules,
                                       list=os.path.join(work, "dispatcher.list"), tcp_listen="disable_tcp=yes")
    if hep_port:
        trace = (f'loadmodule "siptrace.so"\n'
                 f'modparam("siptrace", "duplicate_uri", "sip:127.0.0.1:{hep_port}")\n'
                 'modparam("siptrace", "hep_mode_on", 1)\nmodparam("siptrace", "hep_version", 3)\n'
                 'modparam("siptrace", "trace_to_database", 0)\nmodparam("siptrace", "trace_on", 1)\n'
                 'modparam("siptrace", "trace_mode", 1)\n')
        text = text.replace('modparam("tm", "fr_timer"', trace + 'modparam("tm", "fr_timer"', 1)
    cfg = os.path.join(work, f"{name}.cfg")
    with open(cfg, "w") as f:
        f.write(text)
    system = compare.kamailio(name, cfg, port, work)
    system.start()
    return system


def main():
    parser = load.node_arguments(__doc__)
    parser.add_argument("--baseline-jar", help="also run this (older) jar with capture off, as 'base'")
    parser.add_argument("--transport", choices=("udp", "tcp"), default="udp")
    parser.add_argument("--kamailio", type=int, default=0, help="also Kamailio with this many workers, with and "
                        "without siptrace to the same sngrep (udp only)")
    parser.add_argument("--baseline-config", help="the properties file of that jar's version (its keys)")
    args = parser.parse_args()
    for tool, package in (("sipp", "sip-tester"),) + ((("sngrep", "sngrep"),) if args.transport == "udp" else ()):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed: apt-get install {package}")
    for jar in filter(None, (args.jar, args.baseline_jar)):
        if not os.path.exists(jar):
            sys.exit(f"{jar} is missing: mvn -B -q -DskipTests package")

    work = tempfile.mkdtemp(prefix="siplb-capture-")
    processes = []
    systems = []
    try:
        hep_port = load.free_port()
        sngrep = None
        if args.transport == "udp":
            sngrep = subprocess.Popen(["sngrep", "-N", "-q", "-L", f"udp:127.0.0.1:{hep_port}", "-O",
                                       os.path.join(work, "capture.pcap")], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
            processes.append(sngrep)
        else:
            tcp_sink(hep_port)
        uas_ports = [load.free_port(), load.free_port()]
        processes += load.start_uas(uas_ports, work)
        common = [f"siplb.destinations.file={work}/dispatcher.list"]
        nodes = {}
        names = ["off", "hep"] + (["base"] if args.baseline_jar else [])
        for name in names:
            sip, admin = load.free_port(), load.free_port()
            extra = [f"siplb.hep.collector={args.transport}:127.0.0.1:{hep_port}"] if name == "hep" else []
            log = os.path.join(work, f"{name}.log")
            jar = args.baseline_jar if name == "base" else args.jar
            command = load.siplb_command(jar, f"siplb.listen=udp:127.0.0.1:{sip}",
                                         f"siplb.admin.listen=127.0.0.1:{admin}", *common, *extra)
            if name == "base" and args.baseline_config:
                command[command.index(jar) + 1:command.index(jar) + 1] = ["--config", args.baseline_config]
            process = subprocess.Popen(command, stdout=open(log, "w"), stderr=subprocess.STDOUT)
            processes.append(process)
            nodes[name] = (process, sip, admin)
            load.wait_until_serving(log, process)
        if args.kamailio and args.transport == "udp":
            for name in ("kam-off", "kam-hep"):
                system = kamailio(name, args.kamailio, work, hep_port if name == "kam-hep" else None)
                systems.append(system)
                nodes[name] = (system.process, system.port, None)
                names.append(name)
        time.sleep(2)
        for name in names:  # warm all alike
            load.run_step(nodes[name][1], 500, 5, work)
            load.run_step(nodes[name][1], 1000, 5, work)
        print(f"{'run':>3} {'system':>7} {'calls':>7} {'failed':>7} {'p50 ms':>7} {'p99 ms':>7} {'cpu s/1000':>10}"
              f" {'hep pkts/call':>13} {'hep B/call':>10} {'dropped':>7} {'collector cpu s':>12}")
        ratios, base_ratios, kam_ratios = [], [], []
        for run in range(1, args.runs + 1):
            cost = {}
            order = names[run % len(names):] + names[:run % len(names)]
            for name in order:
                process, sip, admin = nodes[name]
                before = cpu_of(name, process)
                sngrep_before = load.cpu_seconds(sngrep.pid) if sngrep else 0
                counted = name == "hep"  # Kamailio has no such counters
                sent_before = load.metric(admin, "siplb_hep_sent_total") if counted else 0
                bytes_before = load.metric(admin, "siplb_hep_sent_bytes_total") if counted else 0
                dropped_before = load.metric(admin, "siplb_hep_dropped_total") if counted else 0
                calls, failed, rtd, code = load.run_step(sip, args.rate, args.seconds, work)
                cpu = cpu_of(name, process) - before
                cost[name] = cpu / calls * 1000
                extra = ""
                if name in ("hep", "kam-hep"):
                    time.sleep(0.5)  # the queue drains
                    collector = f"{load.cpu_seconds(sngrep.pid) - sngrep_before:>12.2f}" if sngrep else f"{'-':>12}"
                    if counted:
                        packets = (load.metric(admin, "siplb_hep_sent_total") - sent_before) / calls
                        octets = (load.metric(admin, "siplb_hep_sent_bytes_total") - bytes_before) / calls
                        dropped = load.metric(admin, "siplb_hep_dropped_total") - dropped_before
                        extra = f" {packets:>13.2f} {octets:>10.0f} {dropped:>7.0f} {collector}"
                    else:
                        extra = f" {'-':>13} {'-':>10} {'-':>7} {collector}"
                print(f"{run:>3} {name:>7} {calls:>7} {failed:>7} {load.percentile(rtd, 50):>7.1f} "
                      f"{load.percentile(rtd, 99):>7.1f} {cost[name]:>10.3f}{extra}"
                      + ("  OVERRUN" if code == "overrun" else ""), flush=True)
            ratios.append(cost["hep"] / cost["off"])
            line = f"    run {run}: hep / off CPU per call = {ratios[-1]:.2f}"
            if "kam-hep" in cost:
                kam_ratios.append(cost["kam-hep"] / cost["kam-off"])
                line += f"; kam-hep / kam-off = {kam_ratios[-1]:.2f}"
            if "base" in cost:
                base_ratios.append(cost["off"] / cost["base"])
                line += f"; off / base = {base_ratios[-1]:.2f}"
            print(line, flush=True)
        summary = lambda r: f"min {min(r):.2f}, median {sorted(r)[len(r) // 2]:.2f}, max {max(r):.2f}"
        print(f"hep / off CPU per call over {args.runs} runs: {summary(ratios)}")
        if base_ratios:
            print(f"off / base CPU per call over {args.runs} runs: {summary(base_ratios)}")
        if kam_ratios:
            print(f"kam-hep / kam-off CPU per call over {args.runs} runs: {summary(kam_ratios)}")
        print(f"(work files in {work})")
    finally:
        for system in systems:
            system.stop()
        load.stop(processes)  # SIGTERM: sngrep closes its pcap file too


if __name__ == "__main__":
    main()
