#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""jsonset.py FILE LIST [EVENT]: exit 0 if the paths of FILE's records
(fanwatch JSON Lines; those of EVENT, default create) are exactly the paths
in LIST (NUL-separated), each once.  Paths are bytes, recovered by the
documented rule (fwjson.py)."""
import os
import sys

sys.path.insert(0, os.environ["FWT_DIR"])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwjson  # noqa: E402
import jexport  # noqa: E402

f, listfile = sys.argv[1], sys.argv[2]
event = sys.argv[3] if len(sys.argv) > 3 else "create"
got = [fwjson.raw_bytes(r, "path") for r in fwjson.load(f) if event in r.get("events", [])]
sys.exit(jexport.pathset(got, listfile))
