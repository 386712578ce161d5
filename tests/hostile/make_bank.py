#!/usr/bin/env python3
"""Writes the hostile submissions (skeleton + attack) as full files: make_bank.py OUTDIR [TAG]."""
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
KIT = HERE.parent.parent


def variants(tag, kit=KIT):
    """(name, source) of each attack; @KIT@ is the kit graded with (a copy, as nobody)."""
    skeleton = (KIT / "skeleton/cpu_lab/sample-qemu.c").read_text()
    for attack in sorted(HERE.glob("*.attack.c")):
        text = attack.read_text().replace("@TAG@", tag).replace("@KIT@", str(kit))
        yield attack.name[: -len(".attack.c")], skeleton + "\n/* ---- hostile ---- */\n" + text


if __name__ == "__main__":
    out = pathlib.Path(sys.argv[1])
    for name, text in variants(sys.argv[2] if len(sys.argv) > 2 else "vlhostile"):
        (out / name).mkdir(parents=True, exist_ok=True)
        (out / name / "sample-qemu.c").write_text(text)
