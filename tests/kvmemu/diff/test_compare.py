"""The differential harness's own checks: the comparison finds what differs,
the allowlist rules let through exactly what they name, the generator is
reproducible. (Run by `make test-kvmemu-diff` before the guests.)"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402
import run  # noqa: E402

TRACE = """ioctl SET_SREGS 0
exit 0 IO dir=1 size=1 port=0xe0 count=1 data_offset=0x1000 data=0e
state 0 rax=0xe rbx=0x9 rdx=0x10046 rip=0x102a8 ds.unusable=0 ds.limit=0xffffffff
exit 1 HLT
state 1 rbx=0 rdx=0 rip=0x10010
end HLT
dirty 0 0x1000,0x7f000
mem 0 0x7f000 0123456789abcdef
""".splitlines()


def rule(text, rid="t"):
    path = "/tmp/facts-%d.md" % os.getpid()
    with open(path, "w") as f:
        f.write("## Differential allowlist\n| id | rule |\n|---|---|\n| %s | `%s` |\n" % (rid, text))
    try:
        return run.allowlist(path)
    finally:
        os.remove(path)


def edit(lines, old, new):
    return [l.replace(old, new) for l in lines]


def test_identical_traces_agree():
    assert run.first_difference(TRACE, list(TRACE), []) is None


def test_a_state_field_differs_with_where():
    d = run.first_difference(TRACE, edit(TRACE, "rip=0x10010", "rip=0x10011"), [])
    assert d == "where: exit 1, state\n  expected: rip=0x10010\n  got:      rip=0x10011"


def test_a_field_changed_earlier_is_carried_to_later_exits():
    # states are deltas: a field kvmemu got wrong at exit 0 is reported there
    d = run.first_difference(TRACE, edit(TRACE, "rbx=0x9", "rbx=0x8"), [])
    assert "exit 0, state" in d and "rbx=0x9" in d


def test_exit_lines_and_trace_length():
    assert "expected: exit 1 HLT" in run.first_difference(TRACE, edit(TRACE, "exit 1 HLT", "exit 1 SHUTDOWN"), [])
    assert "(trace ends)" in run.first_difference(TRACE, TRACE[:3], [])


def test_mask_with_condition_and_exit_regex():
    # a mask applies at the exits it names; a value still different at the next
    # exit would be a difference there (machine.inc's handler restores RBX, RDX)
    got = edit(TRACE, "rbx=0x9", "rbx=0x8")
    assert run.first_difference(TRACE, got, rule("mask rbx 0x1 at port=0xe0 .*data=0e if rbx&0x8")) is None
    assert run.first_difference(TRACE, got, rule("mask rbx 0x1 at port=0xe0 .*data=0d if rbx&0x8"))
    assert run.first_difference(TRACE, got, rule("mask rbx 0x1 if rbx&0x4"))
    assert run.first_difference(TRACE, edit(TRACE, "rbx=0x9", "rbx=0xb"), rule("mask rbx 0x1"))


def test_mask_in_glob():
    got = edit(TRACE, "rdx=0x10046", "rdx=0x46")
    r = rule("mask rdx 0x10000 in resetseg_*")
    assert run.first_difference(TRACE, got, r, "resetseg_x") is None
    assert run.first_difference(TRACE, got, r, "seed-1")


def test_dirty_superset():
    r = rule("dirty-superset")
    fewer = edit(TRACE, "dirty 0 0x1000,0x7f000", "dirty 0 0x7f000")
    assert run.first_difference(TRACE, fewer, r) is None
    # a changed page (mem line) missing from kvmemu's log is a difference
    assert run.first_difference(TRACE, edit(TRACE, "dirty 0 0x1000,0x7f000", "dirty 0 0x1000"), r)
    # a page only kvmemu logs is a difference
    assert run.first_difference(TRACE, edit(TRACE, "0x1000,0x7f000", "0x1000,0x2000,0x7f000"), r)
    assert run.first_difference(TRACE, fewer, [])


def test_unusable_hidden():
    a = edit(TRACE, "ds.unusable=0", "ds.unusable=1")
    b = edit(a, "ds.limit=0xffffffff", "ds.limit=0")
    assert run.first_difference(a, b, rule("unusable-hidden")) is None
    assert run.first_difference(a, b, [])
    assert run.first_difference(TRACE, edit(TRACE, "ds.limit=0xffffffff", "ds.limit=0"), rule("unusable-hidden"))


def test_the_facts_allowlist_parses():
    rules = run.allowlist(os.path.join(os.path.dirname(__file__), "..", "FACTS.md"))
    assert {"oracle-rf", "svm-dirty-on-read", "svm-shutdown-reset"} <= {r[0] for r in rules}


def test_known_entries_parse():
    for fid, glob, regex, _ in run.known(os.path.join(os.path.dirname(__file__), "known.txt")):
        assert re.match(r"D\d+$", fid) and glob and regex.pattern


def test_generator_is_reproducible_and_varies():
    assert gen.Guest(7).build() == gen.Guest(7).build()
    assert gen.Guest(7).build() != gen.Guest(8).build()
    # splitmix64's first output for seed 0 (the published reference value)
    assert gen.Rng(0).u64() == 0xE220A8397B1DCDAF


def test_second_opinion_counts_only_an_oracle_run_that_agrees():
    """A guest is identical after the oracle's second run only if that run equals kvm-emu's
    trace; a second run that differs again, or gave no trace, leaves it failed."""
    def verdict(name, lines, problem, want):
        d = run.first_difference(want, lines, [], name)
        return (None, "") if not d else (False, d)
    flaky = [l.replace("rip=0x102a8", "rip=0x102a7") for l in TRACE]
    emu = {g: (TRACE, None) for g in ("a.bin", "b.bin", "c.bin")}
    results = {g: verdict(g, TRACE, None, flaky) for g in emu}
    assert all(v[0] is False for v in results.values())
    calls = []

    def rerun(guests):
        calls.append(list(guests))
        return {"a": TRACE, "b": flaky}            # c: no trace at all
    same = run.second_opinion(sorted(emu), emu, results, rerun, verdict)
    assert calls == [["a.bin", "b.bin", "c.bin"]], "expected one oracle run of all three, got %r" % calls
    assert list(same) == ["a.bin"] and "rip=0x102a7" in same["a.bin"], "expected a only, got %r" % same
    assert results["a.bin"][0] is None
    assert results["b.bin"][0] is False and "rip=0x102a7" in results["b.bin"][1]
    assert results["c.bin"][0] is False, "no second trace must keep the first verdict"
