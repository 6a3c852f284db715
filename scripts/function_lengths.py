#!/usr/bin/env python3
"""Lists the longest functions of the C++ sources (GDAL brace style: the
opening brace of a function on a line of its own).

    scripts/function_lengths.py [-n 10] [--over 80] [FOLDER...]

Prints "lines  file:line  name", longest first. A function counts from its
signature's first line to its closing brace. Exits 1 with --over N when a
function is longer than N lines.
"""
import argparse
import os
import re
import sys

SKIPPED_FOLDERS = {"build", "build-fuzz", "build-deb", ".git"}
NOT_FUNCTIONS = re.compile(r"^\s*(namespace|struct|class|enum|union|extern)\b|=\s*$")
NAME = re.compile(r"([~\w:]+(?:operator\s*\S+)?)\s*\(")


def signature_start(lines, brace):
    """Index of the first line of the declaration ending just above `brace`."""
    i = brace - 1
    while i > 0:
        prev = lines[i - 1].rstrip()
        if (not prev or prev.endswith((";", "}", "{")) or prev.lstrip().startswith(("//", "#"))
                or prev.endswith(":") and not prev.endswith("::")):
            break
        i -= 1
    return i


def functions(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    for n, line in enumerate(lines):
        m = re.match(r"^(\s*)\{\s*$", line)
        if not m or n == 0:
            continue
        start = signature_start(lines, n)
        header = " ".join(l.strip() for l in lines[start:n])
        if NOT_FUNCTIONS.search(header) or "(" not in header:
            continue
        if re.match(r"^(if|for|while|switch|else|do|catch|try)\b", header):
            continue
        close = re.compile("^" + re.escape(m.group(1)) + r"\}")
        end = next((k for k in range(n + 1, len(lines)) if close.match(lines[k])), None)
        if end is None:
            continue
        name = NAME.search(header)
        yield end - start + 1, start + 1, name.group(1) if name else header[:40]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="*", default=["."])
    parser.add_argument("-n", type=int, default=10, help="how many to list")
    parser.add_argument("--over", type=int, help="fail when a function is longer")
    args = parser.parse_args()
    found = []
    for folder in args.folders:
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_FOLDERS)
            for name in sorted(files):
                if name.endswith((".cpp", ".h")):
                    path = os.path.normpath(os.path.join(root, name))
                    found += [(length, f"{path}:{line}", fn) for length, line, fn in functions(path)]
    found.sort(key=lambda t: -t[0])
    for length, where, fn in found[:args.n]:
        print(f"{length:5d}  {where}  {fn}")
    if args.over is not None and found and found[0][0] > args.over:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
