#!/usr/bin/python3
"""The include rules of docs/architecture.md ("What may use what"), checked
on the source tree: every #include "..." of a file in core/ (and the front
ends) must name a header of a family its own family may use; core/ never
includes GIMP or GTK; kernels never include the ranking; banks and formats
never plan or run a convolution.  Usage: layering.py SOURCE_ROOT."""
import os
import re
import sys

ROOT = sys.argv[1]
CORE = os.path.join(ROOT, "core")

# Which family each public header belongs to.
PUBLIC = {
    "fm-options.h": "options", "fm-conv.h": "conv", "fm-bank.h": "bank",
    "fm-bank-edit.h": "bank", "fm-formats.h": "formats", "fm-npy.h": "parsers",
    "fm-input.h": "pipeline", "fm-job.h": "pipeline", "fm-map.h": "pipeline",
    "fm-input-decl.h": "decl", "fm-net-graph.h": "graph", "featuremaps.h": "all",
    "fm-net-load.h": "formats", "fm-learn.h": "learn", "fm-net-plan.h": "net",
    "fm-maps.h": "analysis", "fm-rank.h": "analysis", "fm-pca.h": "analysis",
    "fm-sheet.h": "analysis", "fm-colour.h": "analysis",
    "fm-json-strict.h": "parsers",
}
# What each family may include ("decl" and "graph" are plain data types).
ALLOWED = {
    "util": set(),
    "options": {"util"},
    "conv": {"options", "util"},
    "bank": {"options", "conv", "util", "decl"},
    "parsers": {"util"},
    "formats": {"bank", "options", "conv", "util", "parsers", "decl", "graph"},
    "pipeline": {"bank", "conv", "options", "util", "decl", "graph", "net"},
    "net": {"graph", "decl", "conv", "options", "util", "formats", "parsers"},
    # Reading a deep layer: runs jobs (pipeline) and reads graphs' weights.
    "analysis": {"pipeline", "bank", "conv", "options", "util", "decl", "graph", "net"},
}
ALLOWED["options"].add("decl")
# The command line's image library (fm_cli_image_dep: libpng, libjpeg,
# libtiff, GEGL for the rest) is shared with the GIMP 2.10 host, which uses
# it to check files before GIMP opens them in batches.
SHARED_WITH_FRONT_ENDS = {"fm-cli.h", "fm-cli-image.h"}
FRONT_ENDS = ["core/cli", "plugin"]


def family_of(path):
    rel = os.path.relpath(path, CORE).split(os.sep)
    if rel[0] == "include":
        return PUBLIC.get(rel[-1])
    if rel[0] == "formats" and len(rel) > 2 and rel[1] == "parsers":
        return "parsers"
    return rel[0]


def sources(top):
    for d, _, files in os.walk(top):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.join(d, f)


headers = {}   # name -> family
public = set()  # every header in core/include/ is public, listed above or not
for path in sources(CORE):
    if path.endswith(".h"):
        name = os.path.basename(path)
        headers[name] = family_of(path)
        if os.path.relpath(path, CORE).split(os.sep)[0] == "include":
            public.add(name)
private = {n for n in headers if n not in public}

problems = []
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]', re.M)
for path in sources(CORE):
    rel = os.path.relpath(path, ROOT)
    fam = family_of(path)
    text = open(path, encoding="utf-8").read()
    for kind, name in INCLUDE.findall(text):
        if kind == "<":
            if re.match(r"(libgimp|gtk|gdk|libgimpwidgets)", name):
                problems.append("%s includes <%s>: core never includes GIMP or GTK" % (rel, name))
            continue
        base = os.path.basename(name)
        if name.endswith(".def") or base not in headers:
            continue
        target = headers[base]
        if fam in ALLOWED and target not in ALLOWED[fam] | {fam, None}:
            problems.append("%s (%s) includes %s (%s)" % (rel, fam, base, target))
    if fam == "conv" and os.path.basename(path) not in ("fm-conv.c", "fm-conv-select.c", "fm-conv-select.h") \
            and re.search(r'#\s*include\s*"fm-conv-select\.h"', text):
        problems.append("%s: a kernel includes fm-conv-select.h (the ranking calls kernels, not the reverse)" % rel)
    if fam in ("bank", "formats", "parsers") and re.search(r"\bfm_(conv_plan|job)_\w+\s*\(", text):
        problems.append("%s: banks and formats never plan or run a convolution" % rel)

for top in FRONT_ENDS:
    for path in sources(os.path.join(ROOT, top)):
        text = open(path, encoding="utf-8").read()
        # a front end's own headers, in any of its folders
        local = {os.path.basename(p) for p in sources(os.path.join(ROOT, top))}
        for kind, name in INCLUDE.findall(text):
            if kind == '"' and name in private and name not in local \
                    and name not in SHARED_WITH_FRONT_ENDS:
                problems.append("%s includes %s, a private header of core/%s"
                                % (os.path.relpath(path, ROOT), name, headers[name]))

checked = sum(1 for _ in sources(CORE))
for p in problems:
    print("FAIL", p)
print("%d files of core/ checked, %d problems" % (checked, len(problems)))
sys.exit(1 if problems else 0)
