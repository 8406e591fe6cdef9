"""Checks a built wheel is what users on any common Linux can install, without auditwheel.

    python tests/check_wheel.py dist/ferriscope-...whl [--glibc 2.17]

- its tags (the WHEEL file, and the file name pip reads them from) are abi3 for CPython 3.10
  and manylinux_2_17 (manylinux2014) x86_64, none for a newer glibc;
- the extension asks the dynamic linker for no glibc symbol version newer than 2.17 (what
  the manylinux_2_17 tag promises; a plain `maturin build` here needs 2.34);
- the benchmark harness is not in it.

Prints one line per check; exit status 1 with the reason when one fails. Used by
tests/wheel_matrix.sh.
"""

from __future__ import annotations

import argparse
import re
import sys
import zipfile
from pathlib import Path


def check(path: Path, glibc: tuple[int, int]) -> list[str]:
    """The failures (empty when the wheel is fine); prints what was checked."""
    failures: list[str] = []
    want = f"manylinux_{glibc[0]}_{glibc[1]}_x86_64"
    with zipfile.ZipFile(path) as wheel:
        names = wheel.namelist()
        (wheel_file,) = [n for n in names if n.endswith(".dist-info/WHEEL")]
        tags = re.findall(r"^Tag: (\S+)$", wheel.read(wheel_file).decode(), flags=re.MULTILINE)
        (extension,) = [n for n in names if n.startswith("ferriscope/_core") and ".so" in n]
        needed = set(re.findall(rb"GLIBC_(\d+)\.(\d+)", wheel.read(extension)))
    print(f"tags: {', '.join(tags)}")
    if f"cp310-abi3-{want}" not in tags:
        failures.append(f"no cp310-abi3-{want} tag")
    for tag in tags:
        python, abi, platform = tag.split("-")
        if (python, abi) != ("cp310", "abi3"):
            failures.append(f"{tag}: not abi3 for CPython >= 3.10")
        version = re.fullmatch(r"manylinux_(\d+)_(\d+)_x86_64", platform)
        if platform != "manylinux2014_x86_64" and (
            version is None or (int(version[1]), int(version[2])) > glibc
        ):
            failures.append(f"{tag}: a platform newer than {want}")
    if not all(part in path.name for part in ("-cp310-abi3-", want)):
        failures.append(f"{path.name}: the file name does not carry cp310-abi3 and {want}")
    newest = max((int(a), int(b)) for a, b in needed) if needed else (0, 0)
    print(f"{extension}: newest glibc symbol version GLIBC_{newest[0]}.{newest[1]}")
    if newest > glibc:
        failures.append(f"{extension} needs GLIBC_{newest[0]}.{newest[1]} > {glibc}")
    bench = [n for n in names if re.search(r"(^|/)_?bench", n)]
    print(f"{len(names)} files, benchmark files: {bench or 'none'}")
    if bench:
        failures.append(f"the benchmark harness is in the wheel: {bench}")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheel", type=Path)
    parser.add_argument("--glibc", default="2.17", help="the oldest glibc it must run on")
    args = parser.parse_args(argv)
    major, minor = (int(x) for x in args.glibc.split("."))
    failures = check(args.wheel, (major, minor))
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
