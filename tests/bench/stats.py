#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Bench figures: reduces the raw samples run.sh collects, reads process memory, and prints
# the final table (and writes the same as JSON). Standard library only.
#   stats.py ab GATE_FILE PLAIN_FILE      lines "<ms> <rc>", interleaved A/B runs
#   stats.py mem SHIM_BINARY STATE_DIR [ID]
#   stats.py tput FILE                    lines "<gate|plain> <n> <secs> <good> <refused> <bad>"
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
                if parts[0] in ("Rss:", "Pss:"):
                    kb[parts[0][:-1].lower()] = int(parts[1])
    except OSError:
        return None
    return kb


def mem(shim_binary, state, only_id=None):
    gate_exe = os.path.realpath(shim_binary)
    root = os.path.join(os.path.realpath(state), "io.containerd.runtime.v2.task")
    gates, runcs = {}, {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            exe = os.path.realpath(f"/proc/{pid}/exe")
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if not cwd.startswith(root + "/"):
            continue
        cid = os.path.basename(cwd)
        if only_id and cid != only_id:
            continue
        m = smaps(pid)
        if m is None:
            continue
        if exe == gate_exe:
            gates.setdefault(cid, []).append(m)
        elif os.path.basename(exe) == "containerd-shim-runc-v2":
            runcs.setdefault(cid, []).append(m)
    ids = sorted(set(gates) & set(runcs))

    def total(d):
        procs = [m for cid in ids for m in d.get(cid, [])]
        rss = sum(m["rss"] for m in procs)
        pss = sum(m["pss"] for m in procs)
        n = max(len(ids), 1)
        return {"procs": len(procs), "rss_kib_total": rss, "pss_kib_total": pss,
                "rss_kib_per_container": round(rss / n, 1),
                "pss_kib_per_container": round(pss / n, 1)}

    print(json.dumps({"containers": len(ids), "gate": total(gates), "runc_shim": total(runcs)}))


def tput(path):
    acc = {}
    for line in open(path):
        rt, n, secs, good, refused, bad = line.split()
        a = acc.setdefault(n, {}).setdefault(rt, [0.0, 0, 0, 0, 0])
        a[0] += float(secs)
        a[1] += int(good)
        a[2] += int(refused)
        a[3] += int(bad)
        a[4] += 1
    out = {}
    for n, d in sorted(acc.items(), key=lambda kv: int(kv[0])):
        row = {}
        for rt, (secs, good, refused, bad, rounds) in d.items():
            row[rt] = {"rounds": rounds, "seconds": round(secs, 3), "allowed_ok": good,
                       "refused_ok": refused, "wrong": bad,
                       "per_s": round((good + refused) / secs, 2) if secs else 0}
        if "gate" in row and "plain" in row and row["plain"]["per_s"]:
            row["ratio"] = round(row["gate"]["per_s"] / row["plain"]["per_s"], 3)
        out[n] = row
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


def report(rdir, out_path):
    res = {"machine": machine()}
    for name in ("decision", "instructions", "rtt", "e2e_exec", "e2e_run", "noise", "memory",
                 "throughput"):
        try:
            with open(os.path.join(rdir, name + ".json")) as f:
                res[name] = json.loads(f.read().strip().splitlines()[-1])
        except (OSError, ValueError, IndexError) as e:
            res[name] = {"error": f"no figures: {e}"}
    with open(out_path, "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    print_table(res)
    print(f"\n(JSON: {out_path})")


def us(ns):
    return f"{ns / 1000:.1f} us"


def print_table(res):
    rows = []

    def row(fig, gate, base, ratio, target="", met=""):
        rows.append((fig, gate, base, ratio, target, met))

    def err(name, fig):
        e = res.get(name, {})
        if "error" in e:
            row(fig, "n/a", "", "", "", e["error"].strip().splitlines()[-1][:60] if e["error"].strip() else "error")
            return True
        return False

    d = res["decision"]
    if not err("decision", "decision (in process)"):
        h = d["hmac_floor"]
        e = d["exec"]
        row("exec decision median / p99", f"{us(e['median_ns'])} / {us(e['p99_ns'])}",
            f"hmac {us(h['median_ns'])} / {us(h['p99_ns'])}",
            f"x{e['median_ns'] / h['median_ns']:.0f}", "p99 <= 25 us",
            "yes" if e["p99_ns"] <= 25000 else "NO")
        row("exec decisions/s per core", f"{e['per_s']:.0f}", f"hmac {h['per_s']:.0f}", "", "", "")
        u = d["exec_unsigned_refused"]
        row("unsigned exec refused median / p99", f"{us(u['median_ns'])} / {us(u['p99_ns'])}",
            "", "", "", "")
        c = d["create"]
        row("create decision median / p99", f"{us(c['median_ns'])} / {us(c['p99_ns'])}",
            "", f"{c['per_s']:.0f}/s", "", "")
        s = d["sizes"]
        row("  (sizes: process JSON / config.json / signing input)",
            f"{s['process_json']} / {s['config_json']} / {s['signing_input']} B", "", "", "", "")
    i = res["instructions"]
    if not err("instructions", "instructions per decision"):
        row("instructions per decision (callgrind)", f"exec {i['exec']:,}",
            f"hmac {i['hmac_floor']:,}", f"x{i['exec'] / max(i['hmac_floor'], 1):.0f}", "", "")
        row("  unsigned refused / create", f"{i['exec_unsigned_refused']:,} / {i['create']:,}",
            "", "", "", "")
    r = res["rtt"]
    if not err("rtt", "State round trip"):
        row("State round trip median", us(r["gate"]["median_ns"]),
            f"direct {us(r['direct']['median_ns'])}",
            f"+{us(r['overhead_median_ns'])} (x{r['ratio_median']:.2f})", "<= 15 us",
            "yes" if r["overhead_median_ns"] <= 15000 else "NO")
        row("State round trip p99", us(r["gate"]["p99_ns"]), f"direct {us(r['direct']['p99_ns'])}",
            f"+{us(r['overhead_p99_ns'])}", "", "")
    for name, fig in (("e2e_exec", "ctr task exec (signed)"), ("e2e_run", "ctr run --rm")):
        x = res[name]
        if not err(name, fig):
            failed = x["gate"]["failures"] or x["plain"]["failures"]
            row(f"{fig} median", f"{x['gate']['median_ms']:.1f} ms",
                f"runc {x['plain']['median_ms']:.1f} ms",
                f"x{x['ratio_median']:.3f} (paired x{x['ratio_paired_median']:.3f})", "<= 1.02",
                "n/a: runs failed" if failed else "yes" if x["ratio_median"] <= 1.02 else "NO")
            if x["gate"]["failures"] or x["plain"]["failures"]:
                row(f"  {fig} failures", str(x["gate"]["failures"]), str(x["plain"]["failures"]),
                    "", "", "")
    n = res["noise"]
    if not err("noise", "noise floor (runc vs runc)"):
        for key, fig in (("exec", "ctr task exec"), ("run", "ctr run --rm")):
            x = n[key]
            row(f"  noise: {fig}, runc vs runc", f"{x['gate']['median_ms']:.1f} ms",
                f"runc {x['plain']['median_ms']:.1f} ms",
                f"x{x['ratio_median']:.3f} (paired x{x['ratio_paired_median']:.3f})", "", "")
    m = res["memory"]
    if not err("memory", "memory"):
        for key, label in (("one", "1 container"), ("many", f"{m['many']['containers']} containers")):
            g, rs = m[key]["gate"], m[key]["runc_shim"]
            row(f"PSS per container, {label}", f"{g['pss_kib_per_container']:.0f} KiB",
                f"runc shim {rs['pss_kib_per_container']:.0f} KiB", "", "<= 1024 KiB",
                "yes" if g["pss_kib_per_container"] <= 1024 else "NO")
            row(f"  RSS per container / PSS total, {label}",
                f"{g['rss_kib_per_container']:.0f} / {g['pss_kib_total']} KiB",
                f"{rs['rss_kib_per_container']:.0f} / {rs['pss_kib_total']} KiB", "", "", "")
    t = res["throughput"]
    if not err("throughput", "concurrent execs"):
        for n, x in t.items():
            g, p = x.get("gate", {}), x.get("plain", {})
            row(f"{n} concurrent execs: done/s", f"{g.get('per_s', 0)}", f"runc {p.get('per_s', 0)}",
                f"x{x.get('ratio', 0)}", "",
                f"wrong {g.get('wrong', 0) + p.get('wrong', 0)}, refused {g.get('refused_ok', 0)}")

    mach = res["machine"]
    print(f"shimgate bench  {mach['date']}  {mach['nproc']} cpu  {mach['cpu']}  "
          f"kernel {mach['kernel']}  {mach['containerd']}")
    head = ("figure", "gate", "baseline", "ratio/diff", "target", "met")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(6)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*head))
    print(line.format(*("-" * w for w in widths)))
    for r in rows:
        print(line.format(*r))


def main():
    cmd = sys.argv[1]
    if cmd == "ab":
        ab(sys.argv[2], sys.argv[3])
    elif cmd == "mem":
        mem(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
    elif cmd == "tput":
        tput(sys.argv[2])
    elif cmd == "report":
        report(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: stats.py ab|mem|tput|report ...")


if __name__ == "__main__":
    main()
