#!/usr/bin/env python3
"""openapi_json.py - docs/openapi.yaml to the C header that embeds it.

Run by the build (CMakeLists.txt): reads the YAML, checks it is an
OpenAPI 3.1 document that JSON can hold, and writes
  static const char openapi_json[] = { ... };  (NUL-terminated)
  #define OPENAPI_JSON_LEN <bytes, without the NUL>
with the document as compact UTF-8 JSON.  Optionally also the JSON itself.
Usage: openapi_json.py IN.yaml OUT.h [OUT.json]
"""
import json
import sys

import yaml


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: openapi_json.py IN.yaml OUT.h [OUT.json]")
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict) or not str(doc.get("openapi", "")).startswith("3.1."):
        sys.exit(f"{sys.argv[1]}: not an OpenAPI 3.1 document")
    # Unquoted YAML dates and the like are no JSON: refuse them here.
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False)
    data = text.encode("utf-8")
    lines = ["/* Generated from docs/openapi.yaml by scripts/openapi_json.py. */",
             "static const char openapi_json[] = {"]
    for i in range(0, len(data), 16):
        lines.append("\t" + ", ".join(f"0x{b:02x}" for b in data[i:i + 16]) + ",")
    lines.append("\t0x00\n};")
    lines.append(f"#define OPENAPI_JSON_LEN {len(data)}")
    with open(sys.argv[2], "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")
    if len(sys.argv) == 4:
        with open(sys.argv[3], "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
