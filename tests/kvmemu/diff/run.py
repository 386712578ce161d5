#!/usr/bin/python3
"""run.py - the differential test: the same client and guests on the oracle
(real KVM) and on kvmemu, traces compared field by field.

    run.py --bindir DIR --root KITROOT [--oracle auto|kvm|qemu|none] [--jobs N] GUEST.bin...

The oracle: /dev/kvm when it opens with API 12 and isn't kvm_pvm (`kvm`;
ORACLE=kvm takes kvm_pvm too, with its departures); else upstream kvm_amd
inside QEMU/TCG (`qemu`, oracle.py, traces cached under DIR/oracle-cache);
`none` (or neither available): no differential at all, said in one line, and
each guest still runs under kvm-emu, where it must end without a crash and
without an INTERNAL_ERROR that kvmemu didn't explain on stderr.

Differences the oracle is allowed are the rows of FACTS.md's section
"Differential allowlist", each with its rule in the second column:
    `ignore-line REGEX`              lines matching REGEX are dropped on both sides
    `unusable-hidden`                a segment the oracle shows unusable: only its
                                     selector, base, present and unusable are compared
    `dirty-superset`                 the oracle's dirty log may hold more pages than
                                     kvmemu's, but not fewer, and kvmemu's must hold
                                     every page whose bytes changed (`mem` lines)
    `mask FIELD BITS [at REGEX]`     in the state at exits whose exit line
                                     matches REGEX (default: every exit), the
                                     BITS of FIELD (`*`: every field) are not compared
    ... `if FIELD&BITS`              (after a mask rule) only where the state has those bits
    ... `in GLOB`                    (last) only for guests named GLOB
Known differences not yet fixed in kvmemu are known.txt's lines (`ID GLOB
REGEX`: a guest matching GLOB whose first difference matches REGEX counts as
known finding ID in diff-findings, and doesn't fail the run; an entry that
matches nothing is named, to be removed once fixed). Anything else fails,
with expected (the oracle) / got (kvmemu) / where (guest, exit, field).

The second opinion: the oracle is not always deterministic (QEMU's TCG under
load loses STI's shadow at an L1 interrupt: FACTS.md "Oracle nondeterminism"),
while kvm-emu is. A guest that fails is run once more on the oracle, uncached
(at most AGAIN_MAX guests, in one run); if that run is identical to kvm-emu's
trace, the guest counts as identical and the line says the oracle changed its
mind. It still fails when no oracle run agrees with kvm-emu.
"""
import argparse
import concurrent.futures
import fcntl
import fnmatch
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
AGAIN_MAX = 10          # more failing guests than this is not the oracle's flake
KVM_GET_API_VERSION = 0xAE00


def kvm_usable():
    if os.path.exists("/sys/module/kvm_pvm"):
        # kvm_pvm runs guests in KVM's emulator and departs from VMX/SVM KVM in
        # many corners (FACTS.md): upstream kvm_amd in QEMU is the better oracle.
        return "/dev/kvm is kvm_pvm (FACTS.md): not the oracle unless ORACLE=kvm"
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
    except OSError as e:
        return "/dev/kvm: " + e.strerror
    try:
        api = fcntl.ioctl(fd, KVM_GET_API_VERSION)
    finally:
        os.close(fd)
    return None if api == 12 else "/dev/kvm: API version %d, not 12" % api


def split_cases(text):
    out, name, lines = {}, None, []
    for line in text.splitlines():
        if line.startswith("case "):
            if name:
                out[name] = lines
            name, lines = line[5:], []
        elif name:
            lines.append(line)
    if name:
        out[name] = lines
    return out


def name_of(path):
    return os.path.splitext(os.path.basename(path))[0]


# ---- the allowlist (FACTS.md) and the known differences (known.txt) ----

def allowlist(facts):
    """[(id, kind, args)] from the rows of FACTS.md's allowlist section."""
    rules, on = [], False
    for line in open(facts, encoding="utf-8"):
        if line.startswith("## "):
            on = line.startswith("## Differential allowlist")
            continue
        m = on and re.match(r"\|\s*`?([\w-]+)`?\s*\|\s*`([^`]+)`", line)
        if not m:
            continue
        rid, rule = m.group(1), m.group(2).split()
        glob, cond = None, None
        if len(rule) >= 3 and rule[-2] == "in":
            glob, rule = rule[-1], rule[:-2]
        if len(rule) >= 3 and rule[-2] == "if":
            f, b = rule[-1].split("&")
            cond, rule = (f, int(b, 0)), rule[:-2]
        if rule == ["dirty-superset"]:
            rules.append((rid, "dirty", None))
        elif rule == ["unusable-hidden"]:
            rules.append((rid, "unusable", glob))
        elif rule[0] == "ignore-line" and len(rule) >= 2:
            rules.append((rid, "ignore", re.compile(" ".join(rule[1:]))))
        elif rule[0] == "mask" and (len(rule) == 3 or len(rule) >= 5 and rule[3] == "at"):
            at = re.compile(" ".join(rule[4:])) if len(rule) >= 5 else None
            rules.append((rid, "mask", (rule[1], int(rule[2], 0), at, glob, cond)))
        else:
            sys.exit("run.py: FACTS.md allowlist row %s: bad rule %r" % (rid, m.group(2)))
    return rules


def known(path):
    out = []
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line and not line.startswith("#"):
            fid, glob, regex = line.split(None, 2)
            out.append([fid, glob, re.compile(regex), 0])
    return out


# ---- comparison ----

SEGS = ("cs", "ds", "es", "fs", "gs", "ss", "tr", "ldt")
HIDDEN = ("limit", "type", "dpl", "db", "s", "l", "g", "avl")


def items(lines, rules, name):
    """A trace as a list of (where, text, state-dict or None), allowlist applied."""
    state, out, exitline = {}, [], ""
    for line in lines:
        if line.startswith("exit "):
            exitline = line
        if any(k == "ignore" and r.search(line) for _, k, r in rules):
            continue
        if line.startswith("state "):
            _, n, *fields = line.split(" ")
            for f in fields:
                k, v = f.split("=", 1)
                state[k] = int(v, 0)
            shown = dict(state)
            for _, kind, arg in rules:
                if kind == "unusable":
                    for seg in SEGS:
                        if shown.get(seg + ".unusable") == 1:
                            for f in HIDDEN:
                                shown.pop(seg + "." + f, None)
                if kind == "mask" and (arg[2] is None or arg[2].search(exitline)) and \
                        (arg[3] is None or fnmatch.fnmatch(name, arg[3])) and \
                        (arg[4] is None or state.get(arg[4][0], 0) & arg[4][1]):
                    for k in shown if arg[0] == "*" else [arg[0]] if arg[0] in shown else []:
                        shown[k] &= ~arg[1]
            out.append(("exit " + n, "state", shown))
        else:
            if line.startswith("exit "):
                exitline = line
            where = " ".join(line.split(" ")[:2]) if line.startswith("exit ") else line.split(" ")[0]
            out.append((where, line, None))
    return out


def dirty_superset(want, got):
    """kvmemu's dirty lines replaced by the oracle's where they are a subset
    of them holding every page whose bytes changed (`dirty-superset`)."""
    def pages(line):
        f = line.split(" ")
        return set(int(x, 0) for x in f[2].split(",")) if len(f) > 2 and f[2] else set()
    want_dirty = {l.split(" ")[1]: l for l in want if l.startswith("dirty ")}
    changed = {}
    for l in got:
        if l.startswith("mem "):
            f = l.split(" ")
            changed.setdefault(f[1], set()).add(int(f[2], 0))
    out = []
    for l in got:
        slot = l.split(" ")[1] if l.startswith("dirty ") else None
        if slot in want_dirty and changed.get(slot, set()) <= pages(l) <= pages(want_dirty[slot]):
            l = want_dirty[slot]
        out.append(l)
    return out


def first_difference(want, got, rules, name=""):
    """None, or a one-paragraph expected/got/where of the first difference."""
    if any(k == "dirty" for _, k, _ in rules):
        got = dirty_superset(want, got)
    a, b = items(want, rules, name), items(got, rules, name)
    for i in range(max(len(a), len(b))):
        if i >= len(a):
            return "where: after the oracle's end\n  expected: (nothing)\n  got:      %s" % b[i][1]
        if i >= len(b):
            return "where: %s\n  expected: %s\n  got:      (trace ends)" % (a[i][0], a[i][1])
        (wa, ta, sa), (wb, tb, sb) = a[i], b[i]
        if sa is not None and sb is not None:
            diff = [k for k in sa if sa.get(k) != sb.get(k)] + [k for k in sb if k not in sa]
            if diff:
                return "where: %s, state\n  expected: %s\n  got:      %s" % (
                    wa, " ".join("%s=%#x" % (k, sa[k]) for k in diff if k in sa),
                    " ".join("%s=%#x" % (k, sb[k]) for k in diff if k in sb))
        elif ta != tb:
            return "where: %s\n  expected: %s\n  got:      %s" % (wa, ta, tb)
    return None


# ---- the two sides ----

def run_kvm(client, guests):
    out = subprocess.run([client] + guests, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("run.py: %s on /dev/kvm: status %d: %s" % (client, out.returncode, out.stderr.strip()))
    traces = split_cases(out.stdout)
    tdir = os.path.join(os.path.dirname(client), "oracle")
    os.makedirs(tdir, exist_ok=True)
    for name, lines in traces.items():
        with open(os.path.join(tdir, name + ".trace"), "w") as f:
            f.write("case %s\n" % name + "".join(l + "\n" for l in lines))
    return traces


def run_qemu(bindir, client, guests, again=False):
    cache, tdir = os.path.join(bindir, "oracle-cache"), os.path.join(bindir, "oracle")
    r = subprocess.run([sys.executable, os.path.join(HERE, "oracle.py"), "--client",
                        client + "-static", "--cache", cache, "--out", tdir]
                       + (["--again"] if again else []) + guests,
                       stderr=subprocess.PIPE, text=True)
    sys.stderr.write(r.stderr)
    if r.returncode == 3:
        return None, r.stderr.strip().splitlines()[-1]
    if r.returncode != 0:
        sys.exit("run.py: the QEMU oracle failed (above)")
    out = {}
    for g in guests:
        with open(os.path.join(tdir, name_of(g) + ".trace")) as f:
            out.update(split_cases(f.read()))
    return out, None


def run_emu(root, client, guest):
    """(trace lines, problem or None) of one guest under kvm-emu."""
    try:
        # iovmm: a BIOS that stalls under kvm-emu is cut after 90 s of wall time, a safety
        # net only: SeaBIOS reaches "No bootable device" in about 5 s of CPU (its virtual
        # clock skips the waits), 19 s of wall at load 10; a 10 s net cut it there (CI flake)
        r = subprocess.run([os.path.join(root, "scripts/kvm-emu"), client, guest],
                           capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, IOVMM_BIOS_S="90"))
    except subprocess.TimeoutExpired:
        return [], "kvm-emu ran over 120 s"
    lines = split_cases(r.stdout).get(name_of(guest), [])
    with open(os.path.join(os.path.dirname(client), "emu", name_of(guest) + ".trace"), "w") as f:
        f.write(r.stdout + "".join("stderr: " + l + "\n" for l in r.stderr.splitlines()))
    if r.returncode != 0:
        return lines, "status %d under kvm-emu: %s" % (r.returncode, r.stderr.strip()[-300:])
    if any(l.startswith("exit ") and " INTERNAL_ERROR" in l for l in lines) and "kvmemu:" not in r.stderr:
        return lines, "KVM_EXIT_INTERNAL_ERROR without a kvmemu: diagnostic on stderr"
    return lines, None


def second_opinion(again, emu, results, rerun, verdict):
    """Runs the guests AGAIN on the oracle once more (rerun: guests -> {name: trace} or
    None) and updates RESULTS with the new verdicts. Returns {guest: first difference} of
    those now identical. A guest the second run gave no trace for keeps its first verdict."""
    second = rerun(again) or {}
    now_same = {}
    for g in again:
        name = name_of(g)
        if name not in second:
            continue
        v = verdict(name, emu[g][0], emu[g][1], second[name])
        if v[0] is None:
            now_same[g] = results[g][1]
        results[g] = v
    return now_same


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--oracle", default="auto", choices=["auto", "kvm", "qemu", "none"])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--label", default="test-kvmemu-diff")
    ap.add_argument("--client", default="diffvmm", help="the client in BINDIR (NAME-static: the oracle's)")
    ap.add_argument("--known", default=os.path.join(HERE, "known.txt"), help="the known differences")
    ap.add_argument("guests", nargs="+")
    a = ap.parse_args()
    client = os.path.join(a.bindir, a.client)
    rules = allowlist(os.path.join(a.root, "tests/kvmemu/FACTS.md"))
    knowns = known(a.known)

    oracle, why = None, None
    if a.oracle in ("auto", "kvm"):
        why = kvm_usable()
        if why is not None and why.startswith("/dev/kvm is kvm_pvm") and a.oracle == "kvm":
            why = None
        if why is None:
            oracle, which = run_kvm(client, a.guests), "/dev/kvm"
        elif a.oracle == "kvm":
            sys.exit("run.py: " + why)
    if oracle is None and a.oracle in ("auto", "qemu"):
        oracle, why2 = run_qemu(a.bindir, client, a.guests)
        which = "upstream kvm_amd in QEMU/TCG"
        why = "; ".join(filter(None, [why, why2]))
    if a.oracle == "none":
        why = "--oracle none"
    if oracle is None:
        print("%s: SKIP the differential (no oracle: %s); the guests run under kvm-emu alone" % (a.label, why))

    os.makedirs(os.path.join(a.bindir, "emu"), exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        emu = dict(zip(a.guests, pool.map(lambda g: run_emu(a.root, client, g), a.guests)))

    def verdict(name, lines, problem, want):
        """(None, "") when identical; (entry, text) when a known difference; (False, text) else."""
        diff = first_difference(want, lines, rules, name) if want is not None else None
        text = "\n".join(filter(None, [problem, diff]))
        if not text:
            return None, ""
        k = next((k for k in knowns if fnmatch.fnmatch(name, k[1]) and k[2].search(text)), None)
        return (k or False), text

    results = {}
    for g in a.guests:
        name = name_of(g)
        if oracle is not None and name not in oracle:
            sys.exit("run.py: no oracle trace for %s" % name)
        results[g] = verdict(name, emu[g][0], emu[g][1], oracle[name] if oracle is not None else None)
    again = [g for g in a.guests if results[g][0] is False and emu[g][1] is None]
    second_ok = 0
    if oracle is not None and 0 < len(again) <= AGAIN_MAX:
        rerun = (lambda gs: run_kvm(client, gs)) if which == "/dev/kvm" else \
                (lambda gs: run_qemu(a.bindir, client, gs, True)[0])
        for g, text in second_opinion(again, emu, results, rerun, verdict).items():
            second_ok += 1
            print("%s: %s: the oracle's first run differed, its second is identical to kvm-emu's"
                  " (first: %s)" % (a.label, name_of(g), " ".join(text.split())))

    failed, same, known_n, report = 0, 0, 0, []
    for g in a.guests:
        name = name_of(g)
        k, text = results[g]
        if k is None:
            same += 1
        elif k:
            k[3] += 1
            known_n += 1
        else:
            failed += 1
            report.append("%s: %s differs (traces: %s/{oracle,emu}/%s.trace)\n  %s" % (
                a.label, name, a.bindir, name, text.replace("\n", "\n  ")))
    for line in report[:20]:
        print(line)
    if len(report) > 20:
        print("%s: ... and %d more differing guests" % (a.label, len(report) - 20))
    unused = [k for k in knowns if oracle is not None and k[3] == 0 and any(fnmatch.fnmatch(name_of(g), k[1]) for g in a.guests)]
    for k in unused:
        print("%s: note: known.txt entry %s %s matched no first difference (fixed, or behind another)" % (
            a.label, k[0], k[1]))
    kinds = ", ".join("%s %d" % (k[0], k[3]) for k in knowns if k[3])
    if oracle is None:
        print("%s: %d guests under kvm-emu alone (no differential): %d ended cleanly, %d failed" % (
            a.label, len(a.guests), same, failed))
    else:
        print("%s: %d guests, oracle %s: %d identical%s, %d known differences%s, %d failed" % (
            a.label, len(a.guests), which, same,
            " (%d on the oracle's second run)" % second_ok if second_ok else "",
            known_n, " (%s)" % kinds if kinds else "", failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
