#!/usr/bin/env python3
"""embed_console.py - the web console's files (console/) as a C header.

Run by the build (CMakeLists.txt): every regular file under DIR becomes
a byte array, listed in
  static const struct console_file console_files[] = { ... };
with its path relative to DIR ('/' separated), its Content-Type (from the
extension; an unknown extension stops the build) and an ETag (a hash of
its bytes), so the server reads nothing from disk at run time.
Usage: embed_console.py DIR OUT.h
"""
import hashlib
import os
import sys

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}


def files(root):
    out = []
    for d, dirs, names in os.walk(root):
        dirs.sort()
        for n in sorted(names):
            if n.startswith("."):
                continue
            full = os.path.join(d, n)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            out.append((rel, full))
    return sorted(out)


def c_bytes(data):
    lines = []
    for i in range(0, len(data), 16):
        lines.append("\t" + ", ".join(str(b) for b in data[i:i + 16]) + ",")
    lines.append("\t0")  # a NUL after the last byte: never an empty array
    return "\n".join(lines)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: embed_console.py DIR OUT.h")
    root, out = sys.argv[1], sys.argv[2]
    parts = ["/* Generated from console/ by scripts/embed_console.py. */"]
    table = []
    for i, (rel, full) in enumerate(files(root)):
        ext = os.path.splitext(rel)[1].lower()
        if ext not in TYPES:
            sys.exit(f"{full}: no Content-Type known for '{ext}'")
        if any(c in rel for c in '"\\') or len(rel.split("/")) > 2:
            sys.exit(f"{full}: console files are at most one folder deep, "
                     "with plain names")
        with open(full, "rb") as f:
            data = f.read()
        etag = hashlib.sha256(data).hexdigest()[:20]
        parts.append(f"static const unsigned char console_f{i}[] = {{\n"
                     f"{c_bytes(data)}\n}};")
        table.append(f'\t{{ "{rel}", "{TYPES[ext]}", console_f{i}, '
                     f'{len(data)}, "\\"{etag}\\"" }},')
    parts.append("static const struct console_file console_files[] = {")
    parts.extend(table)
    parts.append("};")
    parts.append("#define CONSOLE_N_FILES "
                 "(sizeof(console_files) / sizeof(console_files[0]))")
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write("\n".join(parts) + "\n")
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
