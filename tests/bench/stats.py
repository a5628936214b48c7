#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Bench figures: reduces the raw samples run.sh collects, reads process memory, and prints
# the final table (and writes the same as JSON). Standard library only.
#   stats.py ab GATE_FILE PLAIN_FILE      lines "<ms> <rc>", interleaved A/B runs
#   stats.py mem CONTAINERD_SOCKET NAMESPACE [ID]
#   stats.py snap PID                     a process's CPU time and context switches, as JSON
#   stats.py rttcost RTT.json BEFORE.json AFTER.json CALLS   the gate's cost per relayed call
#   stats.py specdiff CONFIG_A CONFIG_B   where two bundles' config.json differ
#   stats.py tput FILE                    lines "<kind> <n> <secs> <good> <refused> <bad>"
#   stats.py report RESULTS_DIR OUT.json
import json
import os
import platform
import statistics
import subprocess
import sys
import time


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, (len(v) * p) // 100)] if v else 0


def ab(gate_file, plain_file):
    def load(f):
        rows = [line.split() for line in open(f) if line.strip()]
        # Times of successful runs only: a refused run is fast and would flatter the ratio.
        return [float(r[0]) for r in rows if r[1] == "0"], sum(1 for r in rows if r[1] != "0")

    g, gfail = load(gate_file)
    p, pfail = load(plain_file)
    if not g or not p:
        why = ""
        for f in (gate_file, plain_file):
            if os.path.exists(f + ".err"):
                why = open(f + ".err").readline().strip()
                break
        print(json.dumps({"error": f"every run failed on one side: {why}"}))
        return
    pairs = [a / b for a, b in zip(g, p) if b > 0]
    out = {
        "gate": {"n": len(g), "median_ms": statistics.median(g), "p90_ms": pct(g, 90),
                 "failures": gfail},
        "plain": {"n": len(p), "median_ms": statistics.median(p), "p90_ms": pct(p, 90),
                  "failures": pfail},
    }
    out["ratio_median"] = round(out["gate"]["median_ms"] / out["plain"]["median_ms"], 3)
    out["ratio_paired_median"] = round(statistics.median(pairs), 3) if pairs else None
    out["diff_median_ms"] = round(out["gate"]["median_ms"] - out["plain"]["median_ms"], 3)
    print(json.dumps(out))


def smaps(pid):
    kb = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                parts = line.split()
                if parts[0] in ("Rss:", "Pss:", "Private_Clean:", "Private_Dirty:"):
                    kb[parts[0][:-1].lower()] = int(parts[1])
    except OSError:
        return None
    return kb


def mappings(pid):
    """The process's PSS by what is mapped (file name, [heap], [stack], anonymous, ...):
    where a gate's memory goes."""
    out, cur = {}, None
    try:
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                parts = line.split()
                if "-" in parts[0] and not parts[0].endswith(":"):
                    name = parts[5] if len(parts) > 5 else "[anonymous]"
                    cur = out.setdefault(os.path.basename(name) or name,
                                         {"rss": 0, "pss": 0, "private": 0})
                elif cur is not None and parts[0] in ("Rss:", "Pss:"):
                    cur[parts[0][:-1].lower()] += int(parts[1])
                elif cur is not None and parts[0] in ("Private_Clean:", "Private_Dirty:"):
                    cur["private"] += int(parts[1])
    except OSError:
        return None
    return {k: v for k, v in sorted(out.items(), key=lambda kv: -kv[1]["pss"]) if v["pss"]}


def snap(pid):
    """CPU time (ns, all threads, from schedstat) and context switches of a process."""
    cpu = vol = invol = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
            cpu += int(f.read().split()[0])
        with open(f"/proc/{pid}/task/{tid}/status") as f:
            for line in f:
                if line.startswith("voluntary_ctxt_switches:"):
                    vol += int(line.split()[1])
                elif line.startswith("nonvoluntary_ctxt_switches:"):
                    invol += int(line.split()[1])
    print(json.dumps({"cpu_ns": cpu, "voluntary": vol, "involuntary": invol}))


def rttcost(rtt_path, before_path, after_path, calls):
    """bench_rtt's figures with what the gate spent on its calls added: CPU time and
    wake-ups (voluntary context switches) per relayed State call."""
    with open(rtt_path) as f:
        rtt = json.load(f)
    with open(before_path) as f:
        a = json.load(f)
    with open(after_path) as f:
        b = json.load(f)
    n = max(int(calls), 1)
    rtt["gate_cpu_ns_per_call"] = round((b["cpu_ns"] - a["cpu_ns"]) / n)
    rtt["gate_wakeups_per_call"] = round((b["voluntary"] - a["voluntary"]) / n, 2)
    print(json.dumps(rtt))


def shim_args(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().decode(errors="replace").split("\0")
        exe = os.path.basename(os.path.realpath(f"/proc/{pid}/exe"))
    except OSError:
        return None, {}
    opts = {argv[i]: argv[i + 1] for i in range(len(argv) - 1) if argv[i].startswith("-")}
    return exe, opts


def mem(sock, ns, only_id=None):
    """The shims of our containerd (argv -address SOCK -namespace NS -id ID): per container
    the gate and the runc shim it fronts, told apart by their executables."""
    gates, runcs = {}, {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        exe, opts = shim_args(pid)
        if opts.get("-address") != sock or opts.get("-namespace") != ns or "-id" not in opts:
            continue
        cid = opts["-id"]
        if only_id and cid != only_id:
            continue
        m = smaps(pid)
        if m is None:
            continue
        if exe == "containerd-shim-shimgate-v2":
            if only_id:
                m["by_mapping"] = mappings(pid)
            gates.setdefault(cid, []).append(m)
        elif exe == "containerd-shim-runc-v2":
            runcs.setdefault(cid, []).append(m)
    ids = sorted(set(gates) & set(runcs))

    def total(d):
        procs = [m for cid in ids for m in d.get(cid, [])]
        rss = sum(m["rss"] for m in procs)
        pss = sum(m["pss"] for m in procs)
        # What each process has for itself (not shared with the other shims): the floor
        # of its PSS however many containers run.
        private = sum(m["private_clean"] + m["private_dirty"] for m in procs)
        n = max(len(ids), 1)
        out = {"procs": len(procs), "rss_kib_total": rss, "pss_kib_total": pss,
               "rss_kib_per_container": round(rss / n, 1),
               "pss_kib_per_container": round(pss / n, 1),
               "private_kib_per_container": round(private / n, 1)}
        # One container's gate: its PSS by mapping (KiB), for the closing note of a miss.
        if len(procs) == 1 and procs[0].get("by_mapping"):
            out["by_mapping_kib"] = procs[0]["by_mapping"]
        return out

    if not ids:
        print(json.dumps({"error": f"no container with both a gate and a runc shim "
                                   f"(gates {sorted(gates)}, runc shims {sorted(runcs)})"}))
        return
    print(json.dumps({"containers": len(ids), "gate": total(gates), "runc_shim": total(runcs)}))


def specdiff(a_path, b_path):
    """JSON paths where two bundles' config.json differ, apart from what names the container
    (cgroupsPath, annotations) and the command: is the baseline running the same spec?"""
    a, b = (json.load(open(p)) for p in (a_path, b_path))
    for d in (a, b):
        d.get("linux", {}).pop("cgroupsPath", None)
        d.pop("annotations", None)
        d.get("process", {}).pop("args", None)
        # Capability sets are sets: the gate writes them in capability-number order.
        caps = d.get("process", {}).get("capabilities", {})
        for k, v in caps.items():
            caps[k] = sorted(v)
    out = []

    def empty(v):
        # runc reads spec fields with Go's omitempty: an absent field and a zero one are alike.
        return v in (None, 0, False, "", [], {})

    def walk(x, y, path):
        if empty(x) and empty(y):
            return
        if isinstance(x, dict) and isinstance(y, dict):
            for k in sorted(set(x) | set(y)):
                walk(x.get(k), y.get(k), f"{path}.{k}")
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i, (u, v) in enumerate(zip(x, y)):
                walk(u, v, f"{path}[{i}]")
        elif x != y:
            out.append(path)

    walk(a, b, "")
    print(json.dumps({"same": not out, "differs": out[:20]}))


def tput(path):
    """Lines "<gate|plain|gate_unsigned> <n> <secs> <allowed ok> <refused ok> <wrong>
    <gate CPU us>"."""
    acc = {}
    for line in open(path):
        kind, n, secs, good, refused, bad, cpu = line.split()
        a = acc.setdefault(n, {}).setdefault(kind, [0.0, 0, 0, 0, 0, 0])
        a[0] += float(secs)
        a[1] += int(good)
        a[2] += int(refused)
        a[3] += int(bad)
        a[4] += 1
        a[5] += int(cpu)
    out = {}
    for n, d in sorted(acc.items(), key=lambda kv: int(kv[0])):
        row = {}
        for kind, (secs, good, refused, bad, rounds, cpu) in d.items():
            done = good + refused
            row[kind] = {"rounds": rounds, "seconds": round(secs, 3), "allowed_ok": good,
                         "refused_ok": refused, "wrong": bad,
                         "per_s": round(done / secs, 2) if secs else 0}
            if kind != "plain":
                row[kind]["gate_cpu_us_per_exec"] = round(cpu / done) if done else 0
        if "gate" in row and "plain" in row and row["plain"]["per_s"]:
            row["ratio"] = round(row["gate"]["per_s"] / row["plain"]["per_s"], 3)
        out[n] = row
    # Each wrong answer with what ctr printed: a figure of 0 must be checkable.
    if os.path.exists(path + ".wrong"):
        with open(path + ".wrong") as f:
            out["wrong_answers"] = [line.rstrip("\n") for line in f if line.strip()]
    print(json.dumps(out))


def machine():
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cd = subprocess.run(["containerd", "--version"], capture_output=True, text=True).stdout
    return {"nproc": os.cpu_count(), "cpu": model, "kernel": platform.release(),
            "containerd": cd.strip(), "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


# Issue 15's targets: (name, where in the results, how to read the figure, unit, bound).
# Every one lands in the JSON's "targets" with the measured value and whether it is met.
TARGETS = [
    ("exec decision p99", lambda r: r["decision"]["exec"]["p99_ns"] / 1000, "us", 25),
    ("unsigned exec refused p99",
     lambda r: r["decision"]["exec_unsigned_refused"]["p99_ns"] / 1000, "us", 10),
    ("create decision median", lambda r: r["decision"]["create"]["median_ns"] / 1000, "us",
     300),
    ("State round trip, overhead over direct, median",
     lambda r: r["rtt"]["overhead_median_ns"] / 1000, "us", 15),
    ("ctr task exec vs runc same spec, ratio of medians",
     lambda r: r["e2e_exec"]["same_spec"]["ratio_median"], "x", 1.02),
    ("ctr run --rm vs runc same spec, ratio of medians",
     lambda r: r["e2e_run"]["same_spec"]["ratio_median"], "x", 1.05),
    ("docker run --rm vs runc same spec, ratio of medians",
     lambda r: r["docker_run"]["same_spec"]["ratio_median"], "x", 1.05),
    ("gate CPU per signed ctr task exec (N = 1)",
     lambda r: r["throughput"]["1"]["gate"]["gate_cpu_us_per_exec"], "us", 200),
    ("PSS per container, 1 container",
     lambda r: r["memory"]["one"]["gate"]["pss_kib_per_container"], "KiB", 1024),
    ("PSS per container, MANY containers",
     lambda r: r["memory"]["many"]["gate"]["pss_kib_per_container"], "KiB", 1024),
    ("concurrent execs: wrong answers of the gate (signed not run, unsigned not refused)",
     lambda r: sum(x.get(k, {}).get("wrong", 0) for x in r["throughput"].values()
                   if isinstance(x, dict) for k in ("gate", "gate_unsigned")), "", 0),
]


def targets(res):
    out = []
    for name, get, unit, bound in TARGETS:
        row = {"figure": name, "unit": unit, "target": f"<= {bound}"}
        try:
            v = get(res)
            row["value"] = round(v, 3)
            row["met"] = v <= bound
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as e:
            row["value"] = None
            row["met"] = False
            row["error"] = f"no figure: {e!r}"
        if name.startswith("PSS") and "MANY" in name and row["value"] is not None:
            row["figure"] = name.replace("MANY", str(res["memory"]["many"]["containers"]))
        out.append(row)
    return out


def report(rdir, out_path):
    res = {"machine": machine()}
    for name in ("decision", "instructions", "rtt", "e2e_exec", "e2e_run", "noise", "memory",
                 "throughput", "docker_run"):
        try:
            with open(os.path.join(rdir, name + ".json")) as f:
                res[name] = json.loads(f.read().strip().splitlines()[-1])
        except (OSError, ValueError, IndexError) as e:
            res[name] = {"error": f"no figures: {e}"}
    res["targets"] = targets(res)
    with open(out_path, "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    print_table(res)
    print(f"\n(JSON: {out_path})")


def us(ns):
    return f"{ns / 1000:.1f} us"


def print_table(res):
    rows = []

    def row(fig, gate, base="", ratio="", target="", met=""):
        rows.append((fig, gate, base, ratio, target, met))

    def err(d, fig):
        if "error" in d:
            msg = d["error"].strip().splitlines()
            row(fig, "n/a", "", "", "", (msg[-1] if msg else "error")[:80])
            return True
        return False

    d = res["decision"]
    if not err(d, "decision (in process)"):
        h, e = d["hmac_floor"], d["exec"]
        row("exec decision median / p99", f"{us(e['median_ns'])} / {us(e['p99_ns'])}",
            f"hmac {us(h['median_ns'])} / {us(h['p99_ns'])}",
            f"x{e['median_ns'] / h['median_ns']:.0f}", "p99 <= 25 us",
            "yes" if e["p99_ns"] <= 25000 else "NO")
        row("exec decisions/s per core", f"{e['per_s']:.0f}", f"hmac {h['per_s']:.0f}")
        u = d["exec_unsigned_refused"]
        row("unsigned exec refused median / p99", f"{us(u['median_ns'])} / {us(u['p99_ns'])}")
        c = d["create"]
        row("create decision median / p99", f"{us(c['median_ns'])} / {us(c['p99_ns'])}",
            "", f"{c['per_s']:.0f}/s")
        if "replay_record" in d:
            r = d["replay_record"]
            row("  replay store, one nonce (part of exec)",
                f"{us(r['median_ns'])} / {us(r['p99_ns'])}")
        z = d["sizes"]
        row("  sizes: process JSON / config.json / signing input",
            f"{z['process_json']} / {z['config_json']} / {z['signing_input']} B")
    i = res["instructions"]
    if not err(i, "instructions per decision"):
        row("instructions per decision (callgrind)", f"exec {i['exec']:,}",
            f"hmac {i['hmac_floor']:,}", f"x{i['exec'] / max(i['hmac_floor'], 1):.0f}")
        row("  unsigned refused / create / replay store",
            f"{i['exec_unsigned_refused']:,} / {i['create']:,} / {i.get('replay_record', 0):,}")
    r = res["rtt"]
    if not err(r, "State round trip"):
        row("State round trip median", us(r["gate"]["median_ns"]),
            f"direct {us(r['direct']['median_ns'])}",
            f"+{us(r['overhead_median_ns'])} (x{r['ratio_median']:.2f})", "<= 15 us",
            "yes" if r["overhead_median_ns"] <= 15000 else "NO")
        row("State round trip p99", us(r["gate"]["p99_ns"]), f"direct {us(r['direct']['p99_ns'])}",
            f"+{us(r['overhead_p99_ns'])}")
        if "gate_cpu_ns_per_call" in r:
            row("  gate CPU / wake-ups per relayed State call",
                f"{us(r['gate_cpu_ns_per_call'])} / {r['gate_wakeups_per_call']}")
    for name, fig, bound, client in (("e2e_exec", "ctr task exec (signed)", 1.02, "ctr"),
                                     ("e2e_run", "ctr run --rm", 1.05, "ctr"),
                                     ("docker_run", "docker run --rm", 1.05, "Docker")):
        if err(res[name], fig):
            continue
        for key, base, target in (("same_spec", "runc, same spec", f"<= {bound}"),
                                  ("default_spec", f"runc, {client}'s spec", "")):
            x = res[name][key]
            if err(x, f"{fig} vs {base}"):
                continue
            failed = x["gate"]["failures"] or x["plain"]["failures"]
            met = ""
            if target:
                met = ("n/a: runs failed" if failed else
                       "yes" if x["ratio_median"] <= bound else "NO")
            row(f"{fig} median, vs {base}", f"{x['gate']['median_ms']:.1f} ms",
                f"{x['plain']['median_ms']:.1f} ms",
                f"x{x['ratio_median']:.3f} (paired x{x['ratio_paired_median']:.3f})", target, met)
            if failed:
                row("  failures (gate / runc)", str(x["gate"]["failures"]),
                    str(x["plain"]["failures"]))
        check = res[name].get("spec_check")
        if check and not check.get("same"):
            row("  (the same-spec baseline differs at)", ", ".join(check["differs"])[:80])
    def noise(x, fig):
        if x is not None and not err(x, f"  noise: {fig}"):
            row(f"  noise: {fig}, runc vs runc", f"{x['gate']['median_ms']:.1f} ms",
                f"runc {x['plain']['median_ms']:.1f} ms",
                f"x{x['ratio_median']:.3f} (paired x{x['ratio_paired_median']:.3f})")

    n = res["noise"]
    if not err(n, "noise floor (runc vs runc)"):
        for key, fig in (("exec", "ctr task exec"), ("run", "ctr run --rm")):
            noise(n[key], fig)
    if "error" not in res["docker_run"]:
        noise(res["docker_run"].get("noise"), "docker run --rm")
    m = res["memory"]
    if not err(m, "memory"):
        for key in ("one", "many"):
            x = m[key]
            if err(x, f"memory ({key})"):
                continue
            g, rs = x["gate"], x["runc_shim"]
            label = f"{x['containers']} container{'s' if x['containers'] > 1 else ''}"
            row(f"PSS per container, {label}", f"{g['pss_kib_per_container']:.0f} KiB",
                f"runc shim {rs['pss_kib_per_container']:.0f} KiB",
                f"x{g['pss_kib_per_container'] / max(rs['pss_kib_per_container'], 1):.2f}",
                "<= 1024 KiB", "yes" if g["pss_kib_per_container"] <= 1024 else "NO")
            row(f"  RSS / private per container, {label}",
                f"{g['rss_kib_per_container']:.0f} / {g['private_kib_per_container']:.0f} KiB",
                f"runc shim {rs['rss_kib_per_container']:.0f} / "
                f"{rs['private_kib_per_container']:.0f} KiB")
            by = g.get("by_mapping_kib")
            if by:
                row("  gate PSS by mapping, KiB", ", ".join(
                    f"{k} {v['pss']}" for k, v in list(by.items())[:8])[:100])
    t = res["throughput"]
    if not err(t, "concurrent execs"):
        for n, x in t.items():
            if not isinstance(x, dict):
                continue
            g, p, u = x.get("gate", {}), x.get("plain", {}), x.get("gate_unsigned", {})
            wrong = sum(y.get("wrong", 0) for y in (g, p, u))
            row(f"{n} concurrent signed execs: done/s", f"{g.get('per_s', 0)}",
                f"runc, same spec {p.get('per_s', 0)}", f"x{x.get('ratio', 0)}", "all right",
                f"{'yes' if wrong == 0 else 'NO'}: {g.get('allowed_ok', 0)}+"
                f"{p.get('allowed_ok', 0)} ran, {u.get('refused_ok', 0)} unsigned refused, "
                f"{wrong} wrong")
            row("  gate CPU per exec: signed / unsigned refused",
                f"{g.get('gate_cpu_us_per_exec', 0)} / {u.get('gate_cpu_us_per_exec', 0)} us")
        for w in t.get("wrong_answers", []):
            row("  wrong answer", w[:100])

    for t in res["targets"]:
        v = t["value"]
        row(f"target: {t['figure']}", "n/a" if v is None else f"{v:g} {t['unit']}".strip(),
            "", "", t["target"], "yes" if t["met"] else "NO")

    mach = res["machine"]
    print(f"shimgate bench  {mach['date']}  {mach['nproc']} cpu  {mach['cpu']}  "
          f"kernel {mach['kernel']}  {mach['containerd']}")
    head = ("figure", "gate", "baseline", "ratio/diff", "target", "met")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(6)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*head))
    print(line.format(*("-" * w for w in widths)))
    for r in rows:
        print(line.format(*r).rstrip())


def main():
    cmd = sys.argv[1]
    if cmd == "ab":
        ab(sys.argv[2], sys.argv[3])
    elif cmd == "mem":
        mem(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
    elif cmd == "snap":
        snap(sys.argv[2])
    elif cmd == "rttcost":
        rttcost(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
    elif cmd == "specdiff":
        specdiff(sys.argv[2], sys.argv[3])
    elif cmd == "tput":
        tput(sys.argv[2])
    elif cmd == "report":
        report(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: stats.py ab|mem|tput|report ...")


if __name__ == "__main__":
    main()
