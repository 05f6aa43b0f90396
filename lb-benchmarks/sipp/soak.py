#!/usr/bin/env python3
"""A soak: SIPp calls through siplb for minutes, one of three destinations killed and restarted
every minute, optionally on a machine kept busy by other processes; what it costs in calls, and
what siplb holds while it runs.

Three SIPp UAS on loopback (uas-rr.xml), siplb in front of them (bin/siplb's JVM settings, or
SIPLB_JAVA_OPTS='' for a bare java -jar), a SIPp UAC (uac-rr.xml: INVITE, 200, ACK, BYE along the
Record-Route set) at --rate for --minutes. Every --flap seconds the next UAS is killed and started
again --down seconds later. --busy N runs N CPU-bound processes beside it all the while. Every
10 s it prints siplb's dialog table (siplb_dialogs), heap after the last GC's old generation, and
the datagrams the kernel dropped on siplb's UDP port for a full receive buffer (the drops column of
/proc/net/udp); at the end the calls offered and failed, and the largest of each. --kamailio N
runs the same soak against Kamailio (compare.py's configuration at its best: N UDP children,
4 MB buffer, 1 GB of shared memory) in siplb's place, for a comparison in the same rig.

  python3 lb-benchmarks/sipp/soak.py --rate 1500 --minutes 8
  python3 lb-benchmarks/sipp/soak.py --rate 1500 --minutes 8 --busy 2
  SIPLB_JAVA_OPTS= python3 lb-benchmarks/sipp/soak.py --rate 1500 --minutes 8
  python3 lb-benchmarks/sipp/soak.py --rate 1500 --minutes 8 --kamailio 4

Needs sipp (apt-get install sip-tester) and a built jar. Everything binds to 127.0.0.1 and every
process is stopped at the end.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "sidebyside"))
import compare  # noqa: E402
import load  # noqa: E402


def udp_drops(port):
    """Datagrams the kernel dropped on every UDP socket bound to `port` (last column of /proc/net/udp)."""
    total = 0
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if int(fields[1].rsplit(":", 1)[1], 16) == port:
                        total += int(fields[-1])
        except OSError:
            pass
    return total


def scrape(port):
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    except OSError:
        return {}
    return load.parse_metrics(text)


def old_generation(metrics):
    """Bytes of the heap's old generation (G1 Old Gen, or any pool named old/tenured)."""
    return sum(v for k, v in metrics.items() if k.startswith("jvm_memory_used_bytes{")
               and ("Old Gen" in k or "Tenured" in k))


def uas(port, work):
    return subprocess.Popen(["sipp", "-sf", os.path.join(HERE, "uas-rr.xml"), "-aa", "-i", "127.0.0.1",
                             "-p", str(port), "-nostdin"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=work)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=1500)
    parser.add_argument("--minutes", type=float, default=8)
    parser.add_argument("--flap", type=float, default=60, help="seconds between two destination restarts")
    parser.add_argument("--down", type=float, default=5, help="seconds a killed destination stays down")
    parser.add_argument("--busy", type=int, default=0, help="CPU-bound processes beside the soak")
    parser.add_argument("--jar", default=os.path.join(load.ROOT, "lb-transport", "target", "siplb.jar"))
    parser.add_argument("--set", action="append", default=[], help="extra siplb --set key=value")
    parser.add_argument("--kamailio", type=int, default=0, metavar="CHILDREN",
                        help="soak Kamailio (that many UDP children) in siplb's place")
    args = parser.parse_args()
    if not os.path.exists(args.jar):
        sys.exit(f"{args.jar} is missing: mvn -B -q -DskipTests package")
    work = tempfile.mkdtemp(prefix="siplb-soak-")
    ports = [load.free_port() for _ in range(3)]
    with open(os.path.join(work, "dispatcher.list"), "w") as f:
        for i, port in enumerate(ports):
            f.write(f"1 sip:127.0.0.1:{port} 0 0 duid=uas{i + 1}\n")
    destinations = {port: uas(port, work) for port in ports}
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    lb_port, admin_port = load.free_port(), load.free_port()
    if args.kamailio:
        modules = load.kamailio_modules()
        cfg = os.path.join(work, "kamailio.cfg")
        with open(cfg, "w") as f:
            f.write(compare.KAMAILIO_CFG.format(children=args.kamailio, port=lb_port, modules=modules,
                                                list=os.path.join(work, "dispatcher.list"), tcp_listen="disable_tcp=yes"))
        command = ["kamailio", "-f", cfg, "-DD", "-E", "-m", "1024", "-M", "16", "-P", os.path.join(work, "k.pid")]
    else:
        command = load.siplb_command(args.jar, f"siplb.listen=udp:127.0.0.1:{lb_port}",
                                     f"siplb.destinations.file={work}/dispatcher.list",
                                     f"siplb.admin.listen=127.0.0.1:{admin_port}", *args.set)
    lb = subprocess.Popen(command, stdout=open(os.path.join(work, "siplb.log"), "w"), stderr=subprocess.STDOUT,
                          start_new_session=True)
    seconds = int(args.minutes * 60)
    calls = args.rate * seconds
    stat = os.path.join(work, "uac-stat.csv")
    done = threading.Event()
    result = {}
    try:
        if args.kamailio:
            time.sleep(4)  # Kamailio binds and loads its list
        else:
            load.wait_until_serving(os.path.join(work, "siplb.log"), lb)
        who = (f"Kamailio, {args.kamailio} UDP children" if args.kamailio
               else f"siplb, JVM options: {' '.join(load.jvm_options()) or '(none)'}")
        print(f"soak: {calls} calls at {args.rate}/s for {seconds} s, a destination restarted every {args.flap:.0f} s"
              f", {args.busy} busy process(es); {who}", flush=True)
        print(f"{'t s':>5} {'dialogs':>8} {'old gen MB':>10} {'udp drops':>9}", flush=True)

        def call():
            result["code"] = load.bounded_run(
                load.uac_command(lb_port, args.rate, calls, stat, seconds + 120, "-l", str(args.rate * 40),
                                 "-default_behaviors", "all,-abortunexp"),
                seconds + 180, "the soak's SIPp UAC", cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            done.set()

        threading.Thread(target=call, daemon=True).start()
        started = time.monotonic()
        next_flap, next_sample, victim = args.flap, 10.0, 0
        peak = {"dialogs": 0, "old": 0.0}
        drops_at_start = udp_drops(lb_port)
        while not done.is_set():
            now = time.monotonic() - started
            if now >= next_flap and now < seconds:
                port = ports[victim % len(ports)]
                destinations[port].kill()
                destinations[port].wait()
                time.sleep(args.down)
                destinations[port] = uas(port, work)
                victim += 1
                next_flap += args.flap
            if now >= next_sample:
                drops = udp_drops(lb_port) - drops_at_start
                if args.kamailio:
                    print(f"{now:>5.0f} {'-':>8} {'-':>10} {drops:>9}", flush=True)
                else:
                    metrics = scrape(admin_port)
                    dialogs = int(metrics.get("siplb_dialogs", 0))
                    old = old_generation(metrics) / 1e6
                    peak["dialogs"], peak["old"] = max(peak["dialogs"], dialogs), max(peak["old"], old)
                    print(f"{now:>5.0f} {dialogs:>8} {old:>10.1f} {drops:>9}", flush=True)
                next_sample += 10
            done.wait(0.2)
        failed = load.read_failed(stat, calls)
        held = "" if args.kamailio else (f"largest dialog table {peak['dialogs']}, largest old generation in use "
                                         f"(live and not yet collected) {peak['old']:.1f} MB; ")
        print(f"calls {calls}, failed {failed}; {held}datagrams dropped on a full receive buffer "
              f"{udp_drops(lb_port) - drops_at_start}"
              + ("; SIPp OVERRAN its bound" if result.get("code") is None else "") + f" (work files in {work})",
              flush=True)
    finally:
        for p in busy:
            p.kill()
        if args.kamailio and lb.poll() is None:
            os.killpg(lb.pid, 15)  # every Kamailio process
            lb.wait(timeout=15)
        load.stop([lb] + list(destinations.values()))


if __name__ == "__main__":
    main()
