#!/usr/bin/env python3
"""Capture Kamailio jsonrpcs (over xhttp) answers for dispatcher RPC commands.

usage: capture.py HTTP_PORT SIP_PORT OUT_DIR PSQL_CMD...
PSQL_CMD is a command line that runs psql against the 'kamailio' database;
it is used to insert/delete rows before some dispatcher.reload calls.
Each call is written to OUT_DIR/<NNN>-<name>.json as
{"request", "httpMethod", "path", "status", "contentType", "response",
 "rawResponse", "responseHeaders"} (+ "transportError" when Kamailio closed
the connection without answering).
With EXTRA_ONLY=1 in the environment (Kamailio started with
-A WITH_EXTRA_FIELDS) only the three 9NN-extra-dispatcher.list* calls are made.
Must run against a freshly started Kamailio on a freshly loaded dispatcher.sql:
the sequence is stateful (set_state, add, remove, reload, DB inserts).
"""
import http.client, json, subprocess, sys, os, time

http_port, sip_port, out_dir = int(sys.argv[1]), sys.argv[2], sys.argv[3]
psql = sys.argv[4:]
counter = [0]
extra_only = os.environ.get("EXTRA_ONLY") == "1"

def wait_reload_delta():
    # dispatcher modparam reload_delta (default 5 s): reload/add/remove are
    # refused with "Ongoing reload" if less than 5 s passed since the last
    # reload/add/remove.
    time.sleep(6)

def call(name, body, method="POST", path="/RPC", content_type="application/json"):
    """body: python object (sent as JSON) or str (sent verbatim)."""
    raw_req = body if isinstance(body, str) else json.dumps(body)
    conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    headers = {"Content-Type": content_type} if method == "POST" else {}
    counter[0] += 1
    try:
        conn.request(method, path, body=raw_req if method == "POST" else None, headers=headers)
        r = conn.getresponse()
        raw = r.read().decode("utf-8", "replace")
    except (http.client.HTTPException, OSError) as e:
        # Kamailio closed the TCP connection without sending any HTTP response
        rec = {"request": body, "httpMethod": method, "path": path,
               "status": None, "contentType": None, "response": None,
               "rawResponse": None, "responseHeaders": None,
               "transportError": "%s: %s" % (type(e).__name__, e)}
        fn = os.path.join(out_dir, "%03d-%s.json" % (counter[0], name))
        with open(fn, "w") as f:
            json.dump(rec, f, indent=2, ensure_ascii=False)
            f.write("\n")
        print("==", fn, "NO RESPONSE", rec["transportError"])
        return None
    finally:
        conn.close()
    try:
        parsed = json.loads(raw) if raw != "" else raw
    except ValueError:
        parsed = raw
    rec = {
        "request": body,
        "httpMethod": method,
        "path": path,
        "status": r.status,
        "contentType": r.getheader("Content-Type"),
        "response": parsed,
        "rawResponse": raw,
        "responseHeaders": [[k, v] for k, v in r.getheaders()],
    }
    fn = os.path.join(out_dir, "%03d-%s.json" % (counter[0], name))
    with open(fn, "w") as f:
        json.dump(rec, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print("==", fn, r.status, r.getheader("Content-Type"))
    print(raw if len(raw) < 1500 else raw[:1500] + "...")
    return parsed

rid = [0]
def rpc(name, method, params=None, **kw):
    rid[0] += 1
    req = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        req["params"] = params
    req["id"] = rid[0]
    return call(name, req, **kw)

U70 = "sip:127.0.0.1:5070"
if extra_only:
    counter[0] = 900
    rpc("extra-dispatcher.list", "dispatcher.list")
    rpc("extra-dispatcher.list-full", "dispatcher.list", ["full"])
    rpc("extra-dispatcher.list-short", "dispatcher.list", ["short"])
    sys.exit(0)
rpc("system.listMethods", "system.listMethods")
rpc("core.version", "core.version")
rpc("core.uptime", "core.uptime")
rpc("dispatcher.list", "dispatcher.list")
rpc("dispatcher.list-short", "dispatcher.list", ["short"])
rpc("dispatcher.list-full", "dispatcher.list", ["full"])
rpc("dispatcher.list-badmode", "dispatcher.list", ["nonsense"])
wait_reload_delta()
rpc("dispatcher.reload", "dispatcher.reload")
rpc("dispatcher.reload-too-soon", "dispatcher.reload")
rpc("dispatcher.add-too-soon", "dispatcher.add", [1, "sip:127.0.0.1:5099"])
rpc("dispatcher.set_state-ip", "dispatcher.set_state", ["ip", 1, U70])
rpc("dispatcher.list-after-set_state-ip", "dispatcher.list")
rpc("dispatcher.set_state-a", "dispatcher.set_state", ["a", 1, U70])
rpc("dispatcher.list-after-set_state-a", "dispatcher.list")
rpc("dispatcher.set_state-d", "dispatcher.set_state", ["d", 1, "sip:127.0.0.1:5080"])
rpc("dispatcher.set_state-tp", "dispatcher.set_state", ["tp", 2, "sip:127.0.0.1:5090;transport=tcp"])
rpc("dispatcher.list-after-set_state-d-tp", "dispatcher.list")
rpc("dispatcher.set_state-i-all", "dispatcher.set_state", ["i", 2, "all"])
rpc("dispatcher.list-after-set_state-i-all", "dispatcher.list")
rpc("dispatcher.set_state-uri-not-in-set", "dispatcher.set_state", ["i", 1, "sip:127.0.0.1:5999"])
rpc("dispatcher.set_state-uri-in-other-set", "dispatcher.set_state", ["i", 1, "sip:127.0.0.1:5090;transport=tcp"])
rpc("dispatcher.set_state-unknown-set", "dispatcher.set_state", ["i", 99, U70])
rpc("dispatcher.set_state-bad-state-zz", "dispatcher.set_state", ["zz", 1, U70])
rpc("dispatcher.set_state-bad-state-empty", "dispatcher.set_state", ["", 1, U70])
rpc("dispatcher.set_state-bad-state-ax", "dispatcher.set_state", ["ax", 1, U70])
rpc("dispatcher.set_state-uppercase-AP", "dispatcher.set_state", ["AP", 1, U70])
rpc("dispatcher.set_state-bad-uri", "dispatcher.set_state", ["i", 1, "not a uri"])
rpc("dispatcher.set_state-wrong-types", "dispatcher.set_state", [1, "x", 3])
rpc("dispatcher.set_state-group-as-string", "dispatcher.set_state", ["a", "1", U70])
rpc("dispatcher.set_state-missing-params", "dispatcher.set_state", ["a"])
rpc("dispatcher.set_state-no-params", "dispatcher.set_state")
rpc("dispatcher.set_state-extra-params", "dispatcher.set_state", ["a", 1, U70, "extra"])
rpc("dispatcher.set_state-digit-state-2", "dispatcher.set_state", ["2", 1, U70])
rpc("dispatcher.set_state-digit-state-1", "dispatcher.set_state", ["1", 1, U70])
rpc("dispatcher.set_state-all-unknown-set", "dispatcher.set_state", ["i", 99, "all"])
rpc("dispatcher.set_duid_state-i", "dispatcher.set_duid_state", ["i", 1, "pbx2"])
rpc("dispatcher.list-after-set_duid_state-i", "dispatcher.list")
rpc("dispatcher.set_duid_state-unknown-duid", "dispatcher.set_duid_state", ["i", 1, "nosuchduid"])
rpc("dispatcher.set_duid_state-unknown-set", "dispatcher.set_duid_state", ["i", 99, "pbx2"])
rpc("dispatcher.set_duid_state-bad-state", "dispatcher.set_duid_state", ["q", 1, "pbx2"])
rpc("dispatcher.set_duid_state-a", "dispatcher.set_duid_state", ["a", 1, "pbx2"])
rpc("dispatcher.ping_active-noparams", "dispatcher.ping_active", [])
rpc("dispatcher.ping_active-string-0", "dispatcher.ping_active", ["0"])
rpc("dispatcher.ping_active-int-0", "dispatcher.ping_active", [0])
rpc("dispatcher.ping_active-query", "dispatcher.ping_active")
rpc("dispatcher.ping_active-int-1", "dispatcher.ping_active", [1])
rpc("dispatcher.ping_active-int-2", "dispatcher.ping_active", [2])
rpc("dispatcher.ping_active-string-x", "dispatcher.ping_active", ["x"])
rpc("dispatcher.ping_active-string-1", "dispatcher.ping_active", ["1"])
rpc("dispatcher.ping_active-query-2", "dispatcher.ping_active", [])
wait_reload_delta()
rpc("dispatcher.add", "dispatcher.add", [1, "sip:127.0.0.1:5099"])
rpc("dispatcher.list-after-add", "dispatcher.list")
wait_reload_delta()
rpc("dispatcher.add-flags", "dispatcher.add", [3, "sip:127.0.0.1:5075", 8])
wait_reload_delta()
rpc("dispatcher.add-flags-priority-attrs", "dispatcher.add",
    [3, "sip:127.0.0.1:5076", 0, 20, "duid=abc;weight=7;socket=udp:127.0.0.1:%s" % sip_port])
wait_reload_delta()
rpc("dispatcher.add-duplicate", "dispatcher.add", [1, "sip:127.0.0.1:5099"])
wait_reload_delta()
rpc("dispatcher.add-bad-uri", "dispatcher.add", [1, "not a uri"])
wait_reload_delta()
rpc("dispatcher.add-bad-socket", "dispatcher.add", [1, "sip:127.0.0.1:5077", 0, 0, "socket=udp:10.99.99.99:5060"])
wait_reload_delta()
rpc("dispatcher.add-wrong-types", "dispatcher.add", ["x", "sip:127.0.0.1:5078"])
wait_reload_delta()
rpc("dispatcher.add-missing-uri", "dispatcher.add", [1])
rpc("dispatcher.list-after-adds", "dispatcher.list")
wait_reload_delta()
rpc("dispatcher.remove", "dispatcher.remove", [1, "sip:127.0.0.1:5099"])
wait_reload_delta()
rpc("dispatcher.remove-not-present", "dispatcher.remove", [1, "sip:127.0.0.1:5099"])
wait_reload_delta()
rpc("dispatcher.remove-unknown-set", "dispatcher.remove", [99, "sip:127.0.0.1:5070"])
wait_reload_delta()
rpc("dispatcher.remove-bad-uri", "dispatcher.remove", [1, "not a uri"])
rpc("dispatcher.list-after-remove", "dispatcher.list")
rpc("dispatcher.hash-0-alice", "dispatcher.hash", [0, "alice", "server.com"])
rpc("dispatcher.hash-4-bob", "dispatcher.hash", [4, "bob", "server.com"])
rpc("dispatcher.hash-2-one-value", "dispatcher.hash", [2, "alice"])
rpc("dispatcher.hash-no-params", "dispatcher.hash", [])
wait_reload_delta()
rpc("dispatcher.reload-resets-memory", "dispatcher.reload")
rpc("dispatcher.list-after-reload", "dispatcher.list")
# insert rows into the table, reload, list
subprocess.run(psql + ["-v", "ON_ERROR_STOP=1", "-c",
    "INSERT INTO dispatcher (setid, destination, flags, priority, attrs, description) VALUES "
    "(1, 'sip:127.0.0.1:5060', 0, 50, 'duid=pbx0;weight=10', 'inserted later, highest priority'), "
    "(3, 'sip:127.0.0.1:5061;transport=udp', 4, 1, 'duid=pbx3;ping_from=sip:ka@example.com', 'inserted later, disabled'), "
    "(3, 'sip:127.0.0.1:5066', 1, 1, 'weight=5;maxload=3;sockname=sipudp;obproxy=sip:127.0.0.1:5555', 'inserted later, inactive, no duid'), "
    "(3, 'sip:pbx.invalid:5067', 16, 0, 'duid=pbx5', 'inserted later, flag 16 = no DNS resolve'), "
    "(4, 'sip:127.0.0.1:6101', 0, 0, 'duid=t1', 'equal priority 1st row'), "
    "(4, 'sip:127.0.0.1:6102', 0, 0, 'duid=t2', 'equal priority 2nd row'), "
    "(4, 'sip:127.0.0.1:6103', 0, 0, 'duid=t3', 'equal priority 3rd row')"], check=True)
wait_reload_delta()
rpc("dispatcher.reload-after-insert", "dispatcher.reload")
rpc("dispatcher.list-after-insert-reload", "dispatcher.list")
rpc("dispatcher.list-full-after-insert-reload", "dispatcher.list", ["full"])
# rows that cannot be loaded (IPv6 literal; hostname that does not resolve): reload reports failure
subprocess.run(psql + ["-v", "ON_ERROR_STOP=1", "-c",
    "INSERT INTO dispatcher (setid, destination, flags, priority, attrs, description) VALUES "
    "(2, 'sip:[::1]:5062', 1, 2, 'weight=1', 'inserted later, ipv6'), "
    "(2, 'sip:localhost:5063', 0, 2, 'weight=1', 'inserted later, hostname (no DNS in capture sandbox)')"], check=True)
wait_reload_delta()
rpc("dispatcher.reload-with-unloadable-row", "dispatcher.reload")
rpc("dispatcher.list-after-failed-reload", "dispatcher.list")
subprocess.run(psql + ["-v", "ON_ERROR_STOP=1", "-c",
    "DELETE FROM dispatcher WHERE setid = 2 AND priority = 2"], check=True)
# protocol-level cases
rpc("unknown-method", "dispatcher.nonsense")
rpc("unknown-method-no-module", "nonsense")
call("not-json", "this is not json")
call("truncated-json", '{"jsonrpc":"2.0","method":"core.version","id":')
call("no-id", {"jsonrpc": "2.0", "method": "core.version"})
call("no-id-error", {"jsonrpc": "2.0", "method": "dispatcher.nonsense"})
call("id-null", {"jsonrpc": "2.0", "method": "core.version", "id": None})
call("id-string", {"jsonrpc": "2.0", "method": "core.version", "id": "abc-1"})
call("no-jsonrpc-member", {"method": "core.version", "id": 7})
call("jsonrpc-1.0", {"jsonrpc": "1.0", "method": "core.version", "id": 8})
call("no-method", {"jsonrpc": "2.0", "id": 9})
call("method-not-string", {"jsonrpc": "2.0", "method": 5, "id": 10})
call("params-object", {"jsonrpc": "2.0", "method": "dispatcher.set_state",
                       "params": {"state": "a", "group": 1, "address": U70}, "id": 11})
call("params-string", {"jsonrpc": "2.0", "method": "dispatcher.list", "params": "short", "id": 12})
call("batch", [{"jsonrpc": "2.0", "method": "core.version", "id": 13},
               {"jsonrpc": "2.0", "method": "dispatcher.ping_active", "params": [], "id": 14}])
call("empty-array", [])
call("empty-body", "")
call("get-rpc", "", method="GET")
call("post-other-path", {"jsonrpc": "2.0", "method": "core.version", "id": 15}, path="/other")
call("post-text-plain", {"jsonrpc": "2.0", "method": "core.version", "id": 16}, content_type="text/plain")
rpc("system.methodHelp-dispatcher.list", "system.methodHelp", ["dispatcher.list"])
rpc("system.methodSignature-dispatcher.set_state", "system.methodSignature", ["dispatcher.set_state"])

# empty table: delete every row, reload, list
subprocess.run(psql + ["-v", "ON_ERROR_STOP=1", "-c", "DELETE FROM dispatcher"], check=True)
wait_reload_delta()
rpc("dispatcher.reload-empty-table", "dispatcher.reload")
rpc("dispatcher.list-empty-table", "dispatcher.list")
rpc("dispatcher.set_state-empty-table", "dispatcher.set_state", ["i", 1, U70])
wait_reload_delta()
rpc("dispatcher.add-into-empty", "dispatcher.add", [5, "sip:127.0.0.1:5055"])
rpc("dispatcher.list-after-add-into-empty", "dispatcher.list")
# ordering of equal-priority destinations added through RPC, and whether a rebuild reorders them
wait_reload_delta()
rpc("dispatcher.add-tie-1", "dispatcher.add", [6, "sip:127.0.0.1:6001", 0, 0])
wait_reload_delta()
rpc("dispatcher.add-tie-2", "dispatcher.add", [6, "sip:127.0.0.1:6002", 0, 0])
wait_reload_delta()
rpc("dispatcher.add-tie-3", "dispatcher.add", [6, "sip:127.0.0.1:6003", 0, 0])
rpc("dispatcher.list-after-tie-adds", "dispatcher.list")
wait_reload_delta()
rpc("dispatcher.add-other-set", "dispatcher.add", [7, "sip:127.0.0.1:7001"])
rpc("dispatcher.list-after-other-add", "dispatcher.list")
wait_reload_delta()
rpc("dispatcher.remove-other-set", "dispatcher.remove", [7, "sip:127.0.0.1:7001"])
rpc("dispatcher.list-after-other-remove", "dispatcher.list")
