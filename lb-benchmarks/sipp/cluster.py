#!/usr/bin/env python3
"""What the cluster costs: one siplb node of a three-node cluster (one local Redis) against the same
node alone, same machine, same SIPp load, in one run.

Starts a throwaway redis-server (free loopback port, no persistence), two SIPp UAS, siplb alone
(no siplb.cluster.redis) and three siplb nodes sharing the Redis (siplb.cluster.sync 200 ms), all
with bin/siplb's JVM settings and algorithm 10 (call-load, maxload 100000 per destination, so that
every call is counted and published). A SIPp UAC (INVITE, 200, ACK, BYE along the Record-Route
set) then offers --rate calls/s for --seconds to the lone node and to cluster node 1 in turn,
--runs times, alternating. For each step: failed calls, p50/p99 response time, the loaded
process's CPU seconds per 1000 calls (utime+stime from /proc); for the cluster steps also the CPU
the two idle nodes and Redis spent meanwhile, and the Redis commands per second of each node
(siplb_cluster_redis_commands_total from /metrics). The summary gives the ratio cluster / alone per
run and over all runs.

Installs nothing. Needs: sipp (apt-get install sip-tester), redis-server (apt-get install
redis-server), a built siplb jar (mvn -B -q -DskipTests package).

  python3 lb-benchmarks/sipp/cluster.py --rate 1500 --seconds 15 --runs 3
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import load  # the SIPp helpers beside this file


def redis_server(work):
    port = load.free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", work], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True).stdout.strip() == "PONG":
            return process, port
        time.sleep(0.1)
    sys.exit("redis-server did not answer")


def main():
    parser = load.node_arguments(__doc__)
    args = parser.parse_args()
    for tool, package in (("sipp", "sip-tester"), ("redis-server", "redis-server"), ("redis-cli", "redis-tools")):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed: apt-get install {package}")
    if not os.path.exists(args.jar):
        sys.exit(f"{args.jar} is missing: mvn -B -q -DskipTests package")

    work = tempfile.mkdtemp(prefix="siplb-cluster-")
    processes = []
    try:
        redis, redis_port = redis_server(work)
        processes.append(redis)
        uas_ports = [load.free_port(), load.free_port()]
        processes += load.start_uas(uas_ports, work)
        with open(os.path.join(work, "dispatcher.list")) as f:
            lines = [line.strip() + ";maxload=100000" for line in f if line.strip()]
        with open(os.path.join(work, "dispatcher.list"), "w") as f:
            f.write("\n".join(lines) + "\n")
        common = [f"siplb.destinations.file={work}/dispatcher.list", "siplb.dispatch.algorithm=call-load"]
        nodes = {}
        for name in ("alone", "node1", "node2", "node3"):
            sip, admin = load.free_port(), load.free_port()
            cluster = [] if name == "alone" else [f"siplb.cluster.redis=redis://127.0.0.1:{redis_port}",
                                                  f"siplb.cluster.node-id={name}"]
            log = os.path.join(work, f"{name}.log")
            process = subprocess.Popen(load.siplb_command(args.jar, f"siplb.listen=udp:127.0.0.1:{sip}",
                                                          f"siplb.admin.listen=127.0.0.1:{admin}", *common, *cluster),
                                       stdout=open(log, "w"), stderr=subprocess.STDOUT)
            processes.append(process)
            nodes[name] = (process, sip, admin)
            load.wait_until_serving(log, process)
        time.sleep(2)
        for name in ("alone", "node1"):  # warm both alike
            load.run_step(nodes[name][1], 500, 5, work)
            load.run_step(nodes[name][1], 1000, 5, work)
        print(f"{'run':>3} {'node':>8} {'calls':>7} {'failed':>7} {'p50 ms':>7} {'p99 ms':>7} {'cpu s/1000':>10}"
              f" {'idle nodes cpu s':>16} {'redis cpu s':>11} {'redis cmds/s/node':>17}")
        ratios = []
        for run in range(1, args.runs + 1):
            cost = {}
            for name in ("alone", "node1") if run % 2 else ("node1", "alone"):
                process, sip, admin = nodes[name]
                idle = [nodes[n][0].pid for n in ("node2", "node3")]
                before = load.cpu_seconds(process.pid)
                idle_before = sum(load.cpu_seconds(pid) for pid in idle)
                redis_before = load.cpu_seconds(redis.pid)
                commands_before = [load.metric(nodes[n][2], "siplb_cluster_redis_commands_total") for n in ("node1", "node2", "node3")]
                started = time.time()
                calls, failed, rtd, code = load.run_step(sip, args.rate, args.seconds, work)
                elapsed = time.time() - started
                cpu = load.cpu_seconds(process.pid) - before
                cost[name] = cpu / calls * 1000
                extra = ""
                if name == "node1":
                    commands = [(load.metric(nodes[n][2], "siplb_cluster_redis_commands_total") - b) / elapsed
                                for n, b in zip(("node1", "node2", "node3"), commands_before)]
                    extra = (f" {sum(load.cpu_seconds(pid) for pid in idle) - idle_before:>16.2f}"
                             f" {load.cpu_seconds(redis.pid) - redis_before:>11.2f}"
                             f" {'/'.join(f'{c:.1f}' for c in commands):>17}")
                print(f"{run:>3} {name:>8} {calls:>7} {failed:>7} {load.percentile(rtd, 50):>7.1f} "
                      f"{load.percentile(rtd, 99):>7.1f} {cost[name]:>10.3f}{extra}"
                      + ("  OVERRUN" if code == "overrun" else ""), flush=True)
            ratios.append(cost["node1"] / cost["alone"])
            print(f"    run {run}: cluster node / alone CPU per call = {ratios[-1]:.2f}", flush=True)
        print(f"cluster node / alone CPU per call over {args.runs} runs: "
              f"min {min(ratios):.2f}, median {sorted(ratios)[len(ratios) // 2]:.2f}, max {max(ratios):.2f} "
              f"(work files in {work})")
    finally:
        load.stop(processes)


if __name__ == "__main__":
    main()
