#!/usr/bin/env python3
"""hostile_sweep.py - by-hand acceptance sweep for the "hostile input" bar.

What it is
  65 generated cases (some hold several inputs: the import case alone has 12 files) of hostile
  input (YAML alias bombs, huge or deeply nested files, millions of tags, bad UTF-8,
  symbolic-link loops, odd numbers in options, outputs that cannot be written, hostile
  .qdpx/.qdc/CSV imports, ...) and 246 commands run against them.
  Each case's input is generated into a temporary folder (removed afterwards unless --keep),
  each command runs under a timeout, and its wall time, CPU time and peak RSS are measured
  (os.wait4 on the child, so the figures are the command's own, including any shell it runs).
  The bar: no command may use more than 10 s of CPU or 500 MB of memory, be killed by a
  signal or hit the timeout, whatever it is given; and where a case's input is bad the
  command must fail (exit status not 0). Generated inputs are capped at about 300 MB a case;
  the largest are the 250 MB bench corpus and a 200 MB single-line transcript.
  Not a CI test: a full run takes an hour or more and wants a few GB of free disk.

Usage
  scripts/hostile_sweep.py FRAMEWORK_BIN [--only PATTERN] [--keep DIR] [--timeout 60] [--list]
  --only PATTERN  run only the commands whose "case/command" name matches the regular
                  expression PATTERN (re.search), e.g. --only '^(01|24|47)' or --only merge
  --keep DIR      generate the cases under DIR and leave them there (with each command's
                  stdout and stderr, as NAME.out and NAME.err)
  --timeout S     seconds before a command is killed (default 60)
  --list          print the case and command names and exit
  Run it with `nice -n 10` on a shared machine; timings are CPU times, so load matters less.

Reading the results
  One Markdown table row per command: case, command, exit code (or "sig N", "timeout"),
  CPU seconds (user + system), peak RSS in MB, whether stderr located the problem (a
  "file:line:col:" or "file: error|warning" message: yes/no), and the verdict. PASS, or FAIL
  with the reasons: "cpu > 10 s", "rss > 500 MB", "signal N", "timeout", "exit 0 on bad input"
  (the case expects an error), "could not start", or a case-specific check (raw escape bytes
  in the output, invalid JSON, live <script> in HTML, files read outside an import, outputs
  that differ between -j values). Expectation "error" means the input is bad and the command
  must exit non-zero; "any" means success is allowed (the input is legal, only resources are
  judged). A summary line follows the table; the exit status is 1 if any row FAILs.
"""
import argparse, fnmatch, json, os, random, re, shutil, signal, subprocess, sys, tempfile
import time, uuid, zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EX = os.path.join(ROOT, "examples", "ipv-social-work")
CPU_LIMIT = 10.0
RSS_LIMIT_MB = 500
LONG = "t" * 131000  # just under the kernel's 128 KiB limit on one argument

# ----------------------------------------------------------------------------- helpers
def w(path, data):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    if isinstance(data, bytes):
        with open(path, "wb") as f:
            f.write(data)
    else:
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(data)

def remove_tree(path):
    """rm -rf: shutil.rmtree recurses in Python and fails on the 3,000-deep folders of 50/51."""
    if os.path.lexists(path):
        if subprocess.run(["rm", "-rf", "--", path]).returncode != 0:
            shutil.rmtree(path, ignore_errors=True)

def rd(path):
    with open(path, encoding="utf-8") as f:
        return f.read()

def base(d):
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(EX, d, symlinks=True)

def mini(d, themes_yaml, participants=("P01",), extra_fw=""):
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d + "/transcripts")
    w(d + "/framework.yaml", "framework: 1\ntitle: T\nspeakers: {INT: interviewer}\n" + extra_fw + "themes:\n" + themes_yaml)
    w(d + "/participants.yaml", "participants:\n" + "".join("  - {id: %s}\n" % p for p in participants))

ONE_THEME = "  - {id: t, label: T, subthemes: [{id: s, label: S}, {id: u, label: U}]}\n"

def ex_fw():
    return rd(EX + "/framework.yaml")

# ----------------------------------------------------------------------------- generators
def g_none(d):
    os.makedirs(d, exist_ok=True)

def g_alias_chart(d):
    base(d)
    out = ["theme: training\n", 'pad: &x "%s"\n' % ("A" * (2 << 20)), "cells:\n"]
    size, n = len(out[1]), 0
    while size < (4 << 20) - 200:
        line = "  - {participant: Q%06d, subtheme: prequal, status: draft, summary: *x}\n" % n
        out.append(line); size += len(line); n += 1
    w(d + "/charts/training.yaml", "".join(out))

def g_alias_participants(d):
    base(d)
    out = ["attributes:\n  note: {type: string}\nparticipants:\n", '  - {id: P01, note: &x "%s"}\n' % ("B" * (2 << 20))]
    size, n = len(out[1]), 2
    while size < (4 << 20) - 200:
        line = ("  - {id: P%02d, note: *x}\n" % n) if n <= 14 else ("  - {id: Q%06d, note: *x}\n" % n)
        out.append(line); size += len(line); n += 1
    w(d + "/participants.yaml", "".join(out))

def g_alias_framework(d):
    base(d)
    out = ['framework: 1\ntitle: &t "%s"\n' % ("C" * (2 << 20)), "description: *t\nthemes:\n"]
    size, n = len(out[0]), 0
    while size < (4 << 20) - 300:
        line = "  - {id: t%06d, label: *t, description: *t, subthemes: [{id: s, label: *t, description: *t}]}\n" % n
        out.append(line); size += len(line); n += 1
    w(d + "/framework.yaml", "".join(out))

def g_laughs(d):
    base(d)
    lines = ["lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"]
    for i in range(1, 10):
        lines.append("lol%d: &l%d [%s]\n" % (i, i, ", ".join(["*l%d" % (i - 1)] * 10)))
    lines.append("extra: *l9\n")
    w(d + "/framework.yaml", ex_fw().replace("themes:\n", "".join(lines) + "themes:\n", 1))

def g_laughs_map(d):
    base(d)
    lines = ["m0: &m0 {a: x, b: x, c: x, d: x, e: x, f: x, g: x, h: x, i: x, j: x}\n"]
    for i in range(1, 10):
        lines.append("m%d: &m%d {%s}\n" % (i, i, ", ".join("k%d: *m%d" % (k, i - 1) for k in range(10))))
    t = rd(EX + "/transcripts/P01.txt")
    w(d + "/transcripts/P01.txt", "---\n" + "".join(lines) + "bomb: *m9\n" + t[4:])

def g_many_themes(d, n=50000):
    themes = "".join("  - {id: t%d, label: Theme %d, subthemes: [{id: s, label: S}]}\n" % (i, i) for i in range(n))
    mini(d, themes, participants=["P%02d" % i for i in range(1, 21)])
    for p in range(1, 21):
        w(d + "/transcripts/P%02d.txt" % p, "".join("P%02d: {t%d.s}words here{/t%d.s}\n" % (p, i, i) for i in range(p, n, 97)))

def g_many_subthemes(d, n=60000):
    subs = ", ".join("{id: s%d, label: S%d}" % (i, i) for i in range(n))
    mini(d, "  - {id: t, label: T, subthemes: [%s]}\n" % subs, participants=["P%02d" % i for i in range(1, 6)])
    for p in range(1, 6):
        w(d + "/transcripts/P%02d.txt" % p, "".join("P%02d: {t.s%d}words here{/t.s%d}\n" % (p, i, i) for i in range(p, n, 7)))

def g_long_ids(d, n=3 << 20):
    tid = "t" * n
    mini(d, "  - {id: %s, label: L, subthemes: [{id: s, label: S}]}\n" % tid)
    w(d + "/transcripts/P01.txt", "P01: {%s.s}hello there{/%s.s}\n" % (tid, tid))

def g_xlsx_names(d):
    a = "abcdefghijklmnopqrstuvwxyz01234"
    themes = ("  - {id: %sX, label: %s, subthemes: [{id: s, label: S}]}\n" % (a, "L" * 100000) +
              "  - {id: %sY, label: Same, subthemes: [{id: s, label: S}]}\n" % a +
              "  - {id: History, label: History, subthemes: [{id: s, label: S}]}\n")
    mini(d, themes)
    w(d + "/transcripts/P01.txt", "P01: {%sX.s}%s{/%sX.s} {%sY.s}short{/%sY.s} {History.s}h{/History.s}\n" % (a, "word " * 20000, a, a, a))

def g_bad_utf8(d):
    mini(d, "")
    w(d + "/framework.yaml", b"framework: 1\ntitle: T\xff\xfe\nthemes:\n  - {id: t\xc3\x28, label: L\xed\xa0\x80, subthemes: [{id: s\xf8\x88\x80\x80\x80, label: S}]}\n")
    w(d + "/transcripts/P01.txt", b"P01: {t\xc3\x28.s}x{/t\xc3\x28.s}\n")

def g_deep_overlap(d, n=100000):
    codes = ", ".join("c%d" % i for i in range(n))
    mini(d, "  - {id: t, label: T, subthemes: [{id: s, label: S, codes: [%s]}, {id: u, label: U}]}\n" % codes)
    w(d + "/transcripts/P01.txt", "P01: " + "".join("{c%d}" % i for i in range(n)) + "deep text{/}\n")

def g_overlap_columns(d, n=2000):
    mini(d, "  - {id: t, label: T, subthemes: [%s]}\n" % ", ".join("{id: s%d, label: S%d}" % (i, i) for i in range(n)))
    w(d + "/transcripts/P01.txt", "P01: " + "".join("{t.s%d}" % i for i in range(n)) + "text{/}\n")

def g_million_tags(d, n=1000000):
    mini(d, ONE_THEME)
    w(d + "/transcripts/P01.txt", ("P01: " + "{t.s}x{/t.s} " * 100 + "\n") * (n // 100))

def g_ten_million_lines(d, n=10000000):
    mini(d, ONE_THEME)
    w(d + "/transcripts/P01.txt", "P01: {t.s}start\n" + "a\n" * n + "end{/t.s}\n")

def g_five_million_turns(d, n=5000000):
    mini(d, ONE_THEME)
    w(d + "/transcripts/P01.txt", "P01: {t.s}start\n" + "INT: q\nP01: a\n" * (n // 2) + "end{/}\n")

def g_combining(d, n=1000000):
    mini(d, ONE_THEME)
    w(d + "/transcripts/P01.txt", "P01: {t.s}a" + "\u0301" * n + " b" + "\u0300" * n + "{/t.s}\n" + "\u0302" * n + "\n")
    w(d + "/charts/t.yaml", 'theme: t\ncells:\n  - participant: P01\n    subtheme: s\n    status: charted\n    summary: "x%s (L1)"\n    refs: [L1]\n' % ("\u0301" * n))

def g_wide(d):
    mini(d, ONE_THEME)
    w(d + "/transcripts/P01.txt", "P01: {t.s}" + "社会工作家庭暴力" * 2000 + " 👨‍👩‍👧‍👦" * 500 + "{/t.s}\n")
    w(d + "/charts/t.yaml", 'theme: t\ncells:\n  - participant: P01\n    subtheme: s\n    status: charted\n    summary: "%s (L1)"\n    refs: [L1]\n' % ("家庭暴力👨‍👩‍👧‍👦" * 500))

def g_long_code(n, aliases):
    def gen(d):
        mini(d, "  - {id: t, label: T, subthemes: [{id: s, label: S, codes: [%s]}]}\n" % ", ".join("code%d" % i for i in range(aliases)))
        w(d + "/transcripts/P01.txt", "P01: {" + "c" * n + "}x{/" + "c" * n + "}\n")
    return gen

def g_many_unknown(d, n=200000):
    mini(d, "  - {id: t, label: T, subthemes: [{id: s, label: S, codes: [%s]}]}\n" % ", ".join("code%d" % i for i in range(20000)))
    w(d + "/transcripts/P01.txt", "".join("P01: {kode%d}x{/kode%d}\n" % (i, i) for i in range(n)))

def g_front_matter_big(d, mb=100):
    mini(d, ONE_THEME, participants=["P01", "P02"])
    body = "".join("key%d: value value value value value value value value\n" % i for i in range(mb * (1 << 20) // 60))
    w(d + "/transcripts/P01.txt", "---\nparticipant: P01\n" + body)
    w(d + "/transcripts/P02.txt", "---\nparticipant: P02\n" + body + "---\nP02: {t.s}x{/t.s}\n")

def g_fm_speakers(d, n=200000):
    mini(d, ONE_THEME)
    sp = "".join("  L%d: interviewer\n" % i for i in range(n))
    w(d + "/transcripts/P01.txt", "---\nparticipant: P01\nspeakers:\n" + sp + "---\n" + "".join("L%d: hello {t.s}x{/t.s}\n" % i for i in range(0, n, 3)))

def g_label_like(d, n=1000000):
    mini(d, ONE_THEME)
    w(d + "/transcripts/P01.txt", "".join("Word%d: text\nWord%d: more\n" % (i, i) for i in range(n // 2)) + "P01: {t.s}x{/t.s}\n")

def g_closes(d, n=3000000):
    mini(d, ONE_THEME)
    w(d + "/transcripts/P01.txt", "P01: " + "{/}" * n + "\n" + "}" * n + "\n" + "{" * n + "\n")

def g_nul(d):
    mini(d, ONE_THEME)
    w(d + "/transcripts/P01.txt", b"P01: {t.s}a\x00b\x1b[31mred\x1b]0;title\x07\x9b31m{/t.s}\n" + b"\x00" * 100000 + b"\n")

def g_every_line_500(d, n=500, lines=2000):
    mini(d, "  - {id: t, label: T, subthemes: [%s]}\n" % ", ".join("{id: s%d, label: S%d}" % (i, i) for i in range(n)))
    opener = "{" + ", ".join("t.s%d" % i for i in range(n)) + "}"
    w(d + "/transcripts/P01.txt", "".join("P01: %sline %d words{/}\n" % (opener, k) for k in range(lines)))

def g_big_line(d, mb=200):
    mini(d, ONE_THEME)
    with open(d + "/transcripts/P01.txt", "w") as f:
        f.write("P01: {t.s}")
        chunk = "word " * (1 << 18)  # 1.25 MiB
        for _ in range(mb * (1 << 20) // len(chunk)):
            f.write(chunk)
        f.write("{/t.s}\n")

def g_sentences(d, n=400000):
    mini(d, ONE_THEME)
    w(d + "/transcripts/P01.txt", "P01: {t.s}" + "".join("Word%d is here. " % (i % 97) for i in range(n)) + "{/t.s}\n")

def g_chart_refs(d):
    base(d)
    refs = ["L1-99999999999", "L-5", "L0", "L18446744073709551616", "L5-3", "Lx", "L1-999999999", "L999999999", "L", "L1-", "L٣"]
    cells = ['  - participant: P%02d\n    subtheme: prequal\n    status: charted\n    summary: "see (%s) and (L1-999999999)"\n    refs: [%s]\n    at: [%s]\n    source: 0123456789abcdef\n' % (i + 1, r, r, r) for i, r in enumerate(refs)]
    cells.append('  - participant: P12\n    subtheme: prequal\n    status: charted\n    summary: "%s"\n    refs: "L1"\n' % " ".join(["(L1-999999999)"] * 100000))
    w(d + "/charts/training.yaml", "theme: training\ncells:\n" + "".join(cells))

def g_chart_dupkeys(d):
    base(d)
    w(d + "/charts/training.yaml", "theme: training\ntheme: treatment\ncells:\n  - participant: P01\n    participant: P02\n    subtheme: prequal\n    status: charted\n    status: draft\n    summary: a\n    summary: b\n" +
      "".join("  - {participant: P03, subtheme: prequal, status: draft, summary: dup%d}\n" % i for i in range(200000)))

def g_chart_many_files(d, n=20000):
    base(d)
    for i in range(n):
        w(d + "/charts/x%d.yaml" % i, "theme: nosuch%d\ncells: []\n" % i)

def g_chart_300k(d, n=300000):
    base(d)
    w(d + "/charts/training.yaml", "theme: training\ncells:\n" + "".join("  - participant: Z%07d\n    subtheme: prequal\n    status: charted\n    summary: >-\n      text (L1-2)\n    refs: [L1-2]\n" % i for i in range(n)))

def g_many_attrs(d, n=200000):
    base(d)
    attrs = ", ".join("a%d: v" % i for i in range(n))
    w(d + "/participants.yaml", "participants:\n" + "".join("  - {id: P%02d, %s}\n" % (p, attrs) for p in range(1, 15)))

def g_csv_wide(d, cols=1000000):
    base(d)
    os.remove(d + "/participants.yaml")
    w(d + "/framework.yaml", ex_fw().replace("participants: participants.yaml", "participants: participants.csv"))
    row = ",".join(str(i % 7) for i in range(cols))
    w(d + "/participants.csv", "id," + ",".join("c%d" % i for i in range(cols)) + "\n" + "".join("P%02d,%s\n" % (p, row) for p in range(1, 15)))

def g_csv_bigfield(d, mb=100):
    base(d)
    os.remove(d + "/participants.yaml")
    w(d + "/framework.yaml", ex_fw().replace("participants: participants.yaml", "participants: participants.csv").replace('attribution: "{role}"', 'attribution: "{note}"'))
    w(d + "/participants.csv", 'id,note\nP01,"' + 'x""y,\n' * (mb * (1 << 20) // 6) + '"\n' + "".join("P%02d,n\n" % p for p in range(2, 15)))

def g_attr_10mb(d, mb=10):
    base(d)
    w(d + "/framework.yaml", ex_fw().replace('attribution: "{role}"', 'attribution: "{note}, {role}"'))
    src = rd(EX + "/participants.yaml").replace("attributes:\n", "attributes:\n  note:\n    type: string\n", 1)
    lines = []
    for line in src.splitlines(True):
        if line.startswith("  - {id: P"):
            pid = line.split("id: ")[1].split(",")[0]
            line = line.replace("{id: %s," % pid, "{id: %s, note: %s%s," % (pid, pid, "n" * (mb << 20)))
        lines.append(line)
    w(d + "/participants.yaml", "".join(lines))

def g_attribution(text):
    def gen(d):
        base(d)
        w(d + "/framework.yaml", ex_fw().replace('attribution: "{role}"', 'attribution: "%s"' % text()))
    return gen

def g_many_values(declared=False, attribution=True):
    def gen(d, nparts=100000, ntrans=3000):
        mini(d, ONE_THEME, extra_fw='attribution: "{grp}"\n' if attribution else "")
        head = "attributes:\n  grp: {type: string}\n  num: {type: integer}\n" if declared else ""
        w(d + "/participants.yaml", head + "participants:\n" + "".join("  - {id: P%06d, grp: g%06d, num: %d}\n" % (i, i, i) for i in range(nparts)))
        for i in range(ntrans):
            w(d + "/transcripts/P%06d.txt" % i, "P%06d: {t.s}hello there friend{/t.s} {t.u}more{/t.u}\n" % i)
    return gen

def g_many_transcripts(d, n=40000):
    mini(d, ONE_THEME, participants=["P%06d" % i for i in range(n)])
    for i in range(n):
        w(d + "/transcripts/P%06d.txt" % i, "P%06d: {t.s}hello{/t.s}\n" % i)

def g_only_from(d):
    g_many_transcripts(d)
    w(d + "/globs.txt", "\n".join("P0%05d*[!x]" % i for i in range(20000)) + "\n")

def g_participants_60k(typo):
    def gen(d, n=60000):
        base(d)
        extra = "".join("  - {id: X%06d, role: manager, sector: adult social care, years: 3, nation: Wales}\n" % i for i in range(n))
        if typo:
            extra = extra.replace("{id: X000500, role:", "{id: X000500, rloe:", 1)
        w(d + "/participants.yaml", rd(EX + "/participants.yaml") + extra)
    return gen

def g_symlinks(d):
    base(d)
    t = d + "/transcripts"
    os.symlink(".", t + "/loopdir")
    os.symlink("self.txt", t + "/self.txt")
    os.symlink("b.txt", t + "/a.txt"); os.symlink("a.txt", t + "/b.txt")
    os.symlink("../transcripts", t + "/up")
    os.symlink("loopc", d + "/charts/loopc.yaml")
    os.symlink("loop.csv", d + "/loop.csv")
    for name in ("framework.yaml", "participants.yaml"):
        sub = d + "/self-" + name.split(".")[0]
        base(sub)
        os.remove(sub + "/" + name)
        os.symlink(name, sub + "/" + name)

def g_weird_names(d):
    base(d)
    w(d + "/transcripts/P\n\x1b]0;pwned\x07\x1b[2J\x1b[31mEVIL\u202e.txt", "---\nparticipant: P99\n---\nP99: {nope.x}bad\n")
    w(os.fsencode(d + "/transcripts/") + b"\xff\xfe.txt", "P98: {zz}x{/zz}\n")

def g_transcripts_root(d):
    for sub, which in (("slash", "/"), ("glob", '"/**/*.txt"'), ("up", "../../../../../../")):
        base(d + "/" + sub)
        w(d + "/" + sub + "/framework.yaml", ex_fw().replace("transcripts: transcripts/", "transcripts: %s" % which))

def g_fw_numbers(d):
    base(d)
    w(d + "/framework.yaml", ex_fw().replace("framework: 1\n", "framework: 1\nmin_group: 99999999999999999999999\nmax_span_turns: -1e400\nshare_words: {some: 0x19, many: .inf, most: .nan}\n"))

def g_outputs(d):
    os.makedirs(d + "/adir"); open(d + "/afile", "w").close()
    g_qdpx_traversal(d + "/traversal.qdpx")

QDE_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<Project name="p" origin="sweep" xmlns="urn:QDA-XML:project:1.0">\n'

def guid():
    return str(uuid.uuid4())

def g_qdpx_many_sources(path, n):
    cg = guid()
    parts = [QDE_HEAD, '<CodeBook><Codes><Code guid="%s" name="c" isCodable="true"/></Codes></CodeBook>\n<Sources>\n' % cg]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(n):
            sg = guid()
            parts.append('<TextSource guid="%s" name="s%d" plainTextPath="internal://%s.txt"><PlainTextSelection guid="%s" startPosition="0" endPosition="2"><Coding guid="%s"><CodeRef targetGUID="%s"/></Coding></PlainTextSelection></TextSource>\n' % (sg, i, sg, guid(), guid(), cg))
            z.writestr("sources/%s.txt" % sg, "hi there %d" % i)
        parts.append("</Sources>\n</Project>\n")
        z.writestr("project.qde", "".join(parts))

def g_qdpx_traversal(path):
    cg, ok = guid(), guid()
    paths = ["absolute:///etc/passwd", "file:///etc/passwd", "relative://../../../../etc/passwd", "internal://../../../../etc/passwd",
             "/etc/passwd", "internal:///etc/passwd", "internal://sources/../../x.txt", "internal://%2e%2e/%2e%2e/etc/passwd",
             "absolute://C:/Windows/win.ini"]
    srcs = ['<TextSource guid="%s" name="s%d" plainTextPath="%s"/>\n' % (guid(), i, p) for i, p in enumerate(paths)]
    srcs.append('<TextSource guid="%s" name="ok" plainTextPath="internal://%s.txt"/>\n' % (ok, ok))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("sources/%s.txt" % ok, "fine")
        z.writestr("project.qde", QDE_HEAD + '<CodeBook><Codes><Code guid="%s" name="c" isCodable="true"/></Codes></CodeBook>\n<Sources>\n' % cg + "".join(srcs) + "</Sources></Project>\n")

def g_qde_deep(path, depth=1000000):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", QDE_HEAD + '<Notes><Note guid="%s" name="n">' % guid() + "<x>" * depth + "</x>" * depth + "</Note></Notes></Project>\n")

def g_qde_charrefs(path):
    cg, sg = guid(), guid()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("sources/%s.txt" % sg, "text \U0001F600 more")
        z.writestr("project.qde", QDE_HEAD + '<CodeBook><Codes><Code guid="%s" name="a&#0;b&#xD800;c&#x110000;d&#99999999999999999999;e&#x;&amp" isCodable="true"/></Codes></CodeBook>\n<Sources><TextSource guid="%s" name="&#x1b;[31mred&#x7;" plainTextPath="internal://%s.txt"><PlainTextSelection guid="%s" startPosition="-5" endPosition="99999999999999999999999"><Coding guid="%s"><CodeRef targetGUID="%s"/></Coding></PlainTextSelection><PlainTextSelection guid="%s" startPosition="6" endPosition="7"><Coding guid="%s"><CodeRef targetGUID="%s"/></Coding></PlainTextSelection></TextSource></Sources></Project>\n' % (cg, sg, sg, guid(), guid(), cg, guid(), guid(), cg))

WORDS = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"]

def g_codings_csv(path, tdir, rows, found):
    os.makedirs(tdir, exist_ok=True)
    r = random.Random(1)
    w(tdir + "/doc.txt", " ".join(r.choice(WORDS) for _ in range(2000000)))
    with open(path, "w") as f:
        f.write("document,code,text\n")
        for i in range(rows):
            if found:
                f.write("doc,c%d,%s %s\n" % (i % 50, r.choice(WORDS), r.choice(WORDS)))
            else:
                f.write("doc,c%d,notfound%d zz\n" % (i % 50, i))

def g_codings_bigfield(path, tdir, mb=100):
    os.makedirs(tdir, exist_ok=True)
    w(tdir + "/doc.txt", "hello world " * 1000)
    chunk = 'ab ""cd"", ef\n' * 1024
    with open(path, "w") as f:
        f.write('document,code,text\ndoc,c,"')
        for _ in range(mb * (1 << 20) // len(chunk)):
            f.write(chunk)
        f.write('"\n')

def g_codings_offsets(path, tdir):
    os.makedirs(tdir, exist_ok=True)
    w(tdir + "/doc.txt", "hello world " * 1000)
    rows = ["document,code,start,end\n"]
    for s, e in [("0", "99999999999999999999"), ("-5", "3"), ("5", "2"), ("1e9", "2e9"), ("0x10", "0x20"),
                 ("18446744073709551615", "0"), ("9223372036854775807", "9223372036854775807"), ("", "")]:
        rows.append("doc,c,%s,%s\n" % (s, e))
    rows.append("../../../../etc/passwd,c,0,5\n/etc/passwd,c,0,5\n")
    w(path, "".join(rows))

def g_import(d):
    os.makedirs(d, exist_ok=True)
    g_qdpx_traversal(d + "/traversal.qdpx")
    g_qde_deep(d + "/deep.qdpx")
    w(d + "/deep.qdc", '<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>' + "<x>" * 1400000)
    g_qde_charrefs(d + "/charrefs.qdpx")
    g_qdpx_many_sources(d + "/s19999.qdpx", 19999)
    g_codings_bigfield(d + "/big.csv", d + "/t1")
    g_codings_offsets(d + "/off.csv", d + "/t2")
    g_codings_csv(d + "/rows1M.csv", d + "/t3", 1000000, False)
    g_codings_csv(d + "/rows199k.csv", d + "/t4", 199999, False)
    g_codings_csv(d + "/rows199kfound.csv", d + "/t5", 199999, True)
    w(d + "/deepclosed.qdc", '<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>' + "<x>" * 1400000 + "</x>" * 1400000 + "</Codes></CodeBook>\n")
    w(d + "/bare/project.qde", '<?xml version="1.0" encoding="utf-8"?>\n<Project name="p" xmlns="urn:QDA-XML:project:1.0"><Description>' + "<d>" * 1400000 + "</d>" * 1400000 + "</Description></Project>\n")

def g_merge(fw):
    def gen(d):
        os.makedirs(d, exist_ok=True)
        w(d + "/deep.json", "[" * 10000000 + "]" * 10000000)
        w(d + "/num.json", '{"format":"framework-export","version":1e99999,"part":{"a":1,"a":2}}\n')
        for name, only in (("p1", ["P0[1-7]"]), ("p2", ["P0[8-9]", "P1*"])):
            cmd = [fw, "export", "--format", "json", "-C", EX, "-q", "-o", d + "/%s.json" % name]
            for o in only:
                cmd += ["--only", o]
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for i in range(1, 1001):
            shutil.copyfile(d + "/p1.json", d + "/dup%04d.json" % i)
    return gen

def g_deep_dirs(d, depth=3000, wide=100000):
    mini(d, ONE_THEME)
    w(d + "/transcripts/P01.txt", "P01: {t.s}x{/t.s}\n")
    t = d + "/transcripts"
    for i in range(wide):
        open(t + "/n%06d.md" % i, "w").close()
    p = t + "/d" * 100
    os.makedirs(p)
    w(p + "/deep100.txt", "P01: y\n")
    _chain(t, depth, b"P99.txt", b"P99: {t.s}deep{/t.s}\n")

def _chain(top, depth, name, data):
    fd = os.open(top, os.O_RDONLY)
    for _ in range(depth):
        os.mkdir("dd", dir_fd=fd)
        nfd = os.open("dd", os.O_RDONLY, dir_fd=fd); os.close(fd); fd = nfd
    f = os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
    os.write(f, data); os.close(f); os.close(fd)

def g_deep_chain(d, depth=3000):
    mini(d, ONE_THEME, participants=["P01", "P02"])
    w(d + "/transcripts/P01.txt", "P01: {t.s}x{/t.s}\n")
    _chain(d + "/transcripts", depth, b"P02.txt", b"P02: {t.s}deep{/t.s}\n")

def g_corpus(d):
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_corpus.py"), "-o", d, "-q", "--force"], check=True)

def g_determinism(d):
    shutil.copytree(EX, d + "/example", symlinks=True)
    g_overlap_columns(d + "/overlap")
    g_weird_names(d + "/weird")
    g_chart_refs(d + "/refs")
    g_nul(d + "/nul")

def g_html(d):
    mini(d, "")
    x = '</style></table><script>alert(1)</script><img src=x onerror=alert(2)>'
    w(d + "/framework.yaml", 'framework: 1\ntitle: "%s"\nthemes:\n  - {id: t, label: "%s", description: "%s", subthemes: [{id: s, label: "%s"}]}\n' % (x, x, x, x))
    w(d + "/transcripts/P01.txt", "P01: {t.s}%s{/t.s}\n" % x.replace("{", "\\{"))
    w(d + "/charts/t.yaml", 'theme: t\ncells:\n  - participant: P01\n    subtheme: s\n    status: charted\n    summary: "%s (L1)"\n    refs: [L1]\n' % x)

def g_parallel_yaml(n):
    def gen(d):
        mini(d, ONE_THEME, participants=["P%02d" % i for i in range(1, n + 1)])
        keys, size, i = [], 0, 0
        while size < (4 << 20) - 4096:
            k = "  k%d: [a, b, c, d, e, f, g, h]\n" % i; keys.append(k); size += len(k); i += 1
        fm = "meta:\n" + "".join(keys)
        for p in range(1, n + 1):
            w(d + "/transcripts/P%02d.txt" % p, "---\nparticipant: P%02d\n%s---\nP%02d: {t.s}x{/t.s}\n" % (p, fm, p))
    return gen

# ----------------------------------------------------------------------------- checks run after a command
def no_esc_stdout(d, out, err):
    with open(out, "rb") as f:
        if b"\x1b" in f.read():
            return "raw ESC in stdout"

def no_esc_stderr(d, out, err):
    with open(err, "rb") as f:
        if b"\x1b" in f.read():
            return "raw ESC in stderr"

def valid_json_stdout(d, out, err):
    try:
        with open(out, "rb") as f:
            json.loads(f.read().decode("utf-8"))
    except Exception as e:
        return "stdout not valid JSON (%s)" % type(e).__name__

def xlsx_cells(d, out, err):
    path = d + "/out.xlsx"
    if not os.path.exists(path):
        return None
    with zipfile.ZipFile(path) as z:
        for n in z.namelist():
            if n.startswith("xl/worksheets/") or n == "xl/sharedStrings.xml":
                for m in re.finditer(r"<t[^>]*>([^<]*)</t>", z.read(n).decode("utf-8", "replace")):
                    if len(m.group(1)) > 32767:
                        return "xlsx cell over 32,767 chars"

def no_passwd(d, out, err):
    for dirpath, _, files in os.walk(d + "/o-a"):
        for f in files:
            try:
                with open(os.path.join(dirpath, f), "rb") as fh:
                    if b"root:" in fh.read():
                        return "/etc/passwd content imported"
            except OSError:
                pass

def no_live_html(name):
    def check(d, out, err):
        with open(d + "/" + name, encoding="utf-8", errors="replace") as f:
            s = f.read()
        if "<script>" in s or "<img src=x" in s:
            return "live markup in " + name
    return check

def html_if_exists(name):
    inner = no_live_html(name)
    def check(d, out, err):
        return inner(d, out, err) if os.path.exists(d + "/" + name) else None
    return check

# ----------------------------------------------------------------------------- the cases
ERR, ANY = "error", "any"

class Cmd:
    def __init__(self, name, expect, argv, post=None, shell=False, jobs=None, env=None, out_file=None):
        self.name, self.expect, self.argv, self.post = name, expect, argv, post
        self.shell, self.jobs, self.env, self.out_file = shell, jobs, env, out_file

def cases(fw):
    """Return [(case name, generator, [Cmd])]. argv items may use {fw} {d} {ex} {long}."""
    C = Cmd
    L = []
    def case(name, gen, *cmds):
        L.append((name, gen, list(cmds)))
    case("00-smoke", g_none, C("00-smoke", ANY, "{fw} check -C {ex}"))
    case("01-chart-alias-bomb", g_alias_chart,
         C("01-chart-alias-bomb", ERR, "{fw} check -C {d}"),
         C("01b-chart-alias-bomb-chart", ERR, "{fw} chart training -C {d} --width 100 --pager never"))
    case("02-participants-alias-bomb", g_alias_participants,
         C("02-participants-alias-bomb", ERR, "{fw} check -C {d}"),
         C("02b-participants-alias-bomb-export", ERR, "{fw} export --format json -C {d} -o {d}/out.json"))
    case("03-framework-alias-bomb", g_alias_framework,
         C("03-framework-alias-bomb", ERR, "{fw} check -C {d}"),
         C("03b-framework-alias-bomb-codes", ERR, "{fw} codes -C {d}"))
    # 04/05: the laughs sit under keys the tool ignores with a warning, so success is allowed;
    # only the cost is judged (they must not be expanded).
    case("04-billion-laughs-seq", g_laughs, C("04-billion-laughs-seq", ANY, "{fw} check -C {d}"))
    case("05-billion-laughs-frontmatter", g_laughs_map,
         C("05-billion-laughs-frontmatter", ANY, "{fw} check -C {d}"),
         C("05b-billion-laughs-fm-qdpx", ANY, "{fw} export -C {d} -o {d}/out.qdpx"))
    case("06-many-themes", g_many_themes,
         C("06a-many-themes-check", ANY, "{fw} check -C {d}"),
         C("06b-many-themes-codes", ANY, "{fw} codes -C {d}"),
         C("06c-many-themes-xlsx", ANY, "{fw} export --format xlsx -C {d} -o {d}/out.xlsx"),
         C("06d-many-themes-csvdir", ANY, "{fw} export --format csv -C {d} -o {d}/csvdir"),
         C("06e-many-themes-html", ANY, "{fw} export --format html -C {d} -o {d}/out.html"),
         C("06f-many-themes-summarise", ANY, "{fw} summarise -C {d} --view coverage -o {d}/sum.txt"),
         C("06g-many-themes-qdpx", ANY, "{fw} export -C {d} -o {d}/out.qdpx"),
         C("06h-many-themes-128K-arg", ERR, "{fw} chart {long} -C {d} --pager never"),
         C("06i-many-themes-show-128K", ERR, "{fw} show {long} -C {d}"),
         C("06j-many-args", ERR, "{fw} export " + " ".join(["t" * 100000] * 15) + " -C {d} --format md"))
    case("07-many-subthemes", g_many_subthemes,
         C("07a-many-subthemes-check", ANY, "{fw} check -C {d}"),
         C("07b-many-subthemes-chart", ANY, "{fw} chart t -C {d} --width 200 --pager never"),
         C("07c-many-subthemes-xlsx", ANY, "{fw} export --format xlsx -C {d} -o {d}/out.xlsx"),
         C("07d-many-subthemes-summarise", ANY, "{fw} summarise t -C {d} --view coverage,cooccurrence --min-group 1"))
    case("08-long-ids", g_long_ids,
         C("08a-long-ids-check", ANY, "{fw} check -C {d}"),
         C("08b-long-ids-csvdir", ANY, "{fw} export --format csv -C {d} -o {d}/csvdir"),
         C("08c-long-ids-xlsx", ANY, "{fw} export --format xlsx -C {d} -o {d}/out.xlsx"),
         C("08d-long-ids-chart-128K-arg", ERR, "{fw} chart {long} -C {d} --width 80 --pager never"),
         C("08e-long-ids-summarise", ANY, "{fw} summarise -C {d} --min-group 1"))
    case("09-xlsx-names", g_xlsx_names,
         C("09-xlsx-names", ANY, "{fw} export --format xlsx --content excerpts -C {d} -o {d}/out.xlsx", post=xlsx_cells))
    case("10-bad-utf8-ids", g_bad_utf8,
         C("10a-bad-utf8-ids-check", ERR, "{fw} check -C {d}"),
         C("10b-bad-utf8-ids-json", ERR, "{fw} check -C {d} --format json", post=valid_json_stdout),
         C("10c-bad-utf8-ids-export", ERR, "{fw} export --format json -C {d}"))
    case("11-deep-overlap", g_deep_overlap,
         C("11a-deep-overlap-check", ANY, "{fw} check -C {d}"),
         C("11b-deep-overlap-quotes", ANY, "{fw} quotes t.s -C {d} --min-group 1"),
         C("11c-deep-overlap-cooc", ANY, "{fw} summarise t -C {d} --view cooccurrence --min-group 1"),
         C("11d-deep-overlap-json", ANY, "{fw} export --format json -C {d} -o {d}/out.json"),
         C("11e-deep-overlap-qdpx", ANY, "{fw} export -C {d} -o {d}/out.qdpx"),
         C("11f-deep-overlap-showcode", ANY, "{fw} show P01 --code t.s -C {d}"))
    case("12-overlap-columns", g_overlap_columns,
         C("12a-overlap-columns-cooc", ANY, "{fw} summarise t -C {d} --view cooccurrence --min-group 1 --width 200"),
         C("12b-overlap-columns-chart", ANY, "{fw} chart t -C {d} --width 300 --pager never"),
         C("12c-overlap-columns-show", ANY, "{fw} show P01 -C {d}"))
    case("13-million-tags", g_million_tags,
         C("13a-million-tags-check", ANY, "{fw} check -C {d}"),
         C("13b-million-tags-quotes", ANY, "{fw} quotes t.s -C {d} --min-group 1 -o {d}/q.txt"),
         C("13c-million-tags-chart", ANY, "{fw} chart t -C {d} --pager never"),
         C("13d-million-tags-draft", ANY, "{fw} chart t --draft --all -C {d}"),
         C("13e-million-tags-json", ANY, "{fw} export --format json -C {d} -o {d}/out.json"),
         C("13f-million-tags-qdpx", ANY, "{fw} export -C {d} -o {d}/out.qdpx"),
         C("13g-million-tags-summarise", ANY, "{fw} summarise -C {d} --min-group 1 -o {d}/s.txt"))
    case("14-ten-million-lines", g_ten_million_lines,
         C("14a-10M-lines-check", ANY, "{fw} check -C {d}"),
         C("14b-10M-lines-show", ANY, "{fw} show P01 -C {d}"),
         C("14c-10M-lines-qdpx", ANY, "{fw} export -C {d} -o {d}/out.qdpx"),
         C("14d-10M-lines-quotes", ANY, "{fw} quotes t.s -C {d} --min-group 1"))
    case("15-five-million-turns", g_five_million_turns,
         C("15a-5M-turns-check", ANY, "{fw} check -C {d}"),
         C("15b-5M-turns-quotes", ANY, "{fw} quotes t.s -C {d} --min-group 1 -o {d}/q.txt"),
         C("15c-5M-turns-long", ANY, "{fw} export --long --format csv -C {d} -o {d}/l.csv"))
    case("16-combining", g_combining,
         C("16a-combining-chart", ANY, "{fw} chart t -C {d} --width 40 --pager never"),
         C("16b-combining-quotes", ANY, "{fw} quotes t.s -C {d} --min-group 1 --max-words 3 --width 30"),
         C("16c-combining-show", ANY, "{fw} show P01 --code t.s -C {d} --width 20"),
         C("16d-combining-check", ANY, "{fw} check -C {d}"),
         C("16e-combining-summarise", ANY, "{fw} summarise -C {d} --min-group 1 --width 40"))
    case("17-wide-width1", g_wide,
         C("17a-wide-chart-w1", ANY, "{fw} chart t -C {d} --width 1 --pager never"),
         C("17b-wide-quotes-w1", ANY, "{fw} quotes t.s -C {d} --min-group 1 --width 1"),
         C("17c-wide-show-w1", ANY, "{fw} show P01 --code t.s -C {d} --width 1"),
         C("17d-wide-summarise-w1", ANY, "{fw} summarise -C {d} --min-group 1 --width 1"),
         C("17e-example-chart-w1", ANY, "{fw} chart training -C {ex} --width 1 --pager never"))
    case("18-long-code-name", g_long_code(10 << 20, 20000),
         C("18a-10MB-code-check", ERR, "{fw} check -C {d}"),
         C("18b-10MB-code-codes", ANY, "{fw} codes -C {d}"))
    case("18s-100KB-code-20k-aliases", g_long_code(100000, 20000), C("18s-100KB-code-20k-aliases", ERR, "{fw} check -C {d}"))
    case("18t-10MB-code-2-aliases", g_long_code(10 << 20, 2), C("18t-10MB-code-2-aliases", ERR, "{fw} check -C {d}"))
    case("19-many-unknown-distinct", g_many_unknown,
         C("19a-200k-unknown-check", ERR, "{fw} check -C {d}"),
         C("19b-200k-unknown-codes", ANY, "{fw} codes -C {d}"),
         C("19c-200k-unknown-json", ERR, "{fw} check -C {d} --format json", post=valid_json_stdout))
    case("20-front-matter-100MB", g_front_matter_big,
         C("20a-fm-100MB-check", ERR, "{fw} check -C {d}"),
         C("20b-fm-100MB-show", ANY, "{fw} show P02 -C {d} -q"))
    case("21-fm-speakers", g_fm_speakers,
         C("21a-fm-200k-speakers-check", ANY, "{fw} check -C {d}"),
         C("21b-fm-200k-speakers-quotes", ANY, "{fw} quotes t.s -C {d} --min-group 1"))
    case("22-label-like", g_label_like, C("22-label-like-1M", ANY, "{fw} check -C {d}"))
    case("23-closes", g_closes,
         C("23a-3M-stray-closes", ERR, "{fw} check -C {d}"),
         C("23b-3M-stray-closes-json", ERR, "{fw} check -C {d} --format json", post=valid_json_stdout),
         C("23c-3M-stray-closes-show", ANY, "{fw} show P01 -C {d}"))
    case("24-nul-escapes", g_nul,
         C("24a-nul-escapes-show", ANY, "{fw} show P01 -C {d}", post=no_esc_stdout),
         C("24b-nul-escapes-quotes", ANY, "{fw} quotes t.s -C {d} --min-group 1", post=no_esc_stdout),
         C("24c-nul-escapes-chart", ANY, "{fw} chart t -C {d} --pager never", post=no_esc_stdout),
         C("24d-nul-escapes-check", ANY, "{fw} check -C {d}", post=no_esc_stderr))
    case("25-every-line-500", g_every_line_500,
         C("25a-500codes-check", ANY, "{fw} check -C {d}"),
         C("25b-500codes-quotes", ANY, "{fw} quotes t.s0 -C {d} --min-group 1"),
         C("25c-500codes-cooc", ANY, "{fw} summarise -C {d} --view cooccurrence --min-group 1 -o {d}/c.txt"),
         C("25d-500codes-xlsx", ANY, "{fw} export --format xlsx --content excerpts -C {d} -o {d}/o.xlsx"),
         C("25e-500codes-chart", ANY, "{fw} chart t -C {d} --pager never --width 2000"))
    case("26-one-200MB-line", g_big_line,
         C("26a-200MB-line-check", ANY, "{fw} check -C {d}"),
         C("26b-200MB-line-show", ANY, "{fw} show P01 -C {d} -q"),
         C("26c-200MB-line-json", ANY, "{fw} export --format json -C {d} -o {d}/o.json"),
         C("26d-200MB-line-quotes", ANY, "{fw} quotes t.s --max-words 5 -C {d} --min-group 1"),
         C("26e-200MB-line-chart", ANY, "{fw} chart t -C {d} --pager never"),
         C("26f-200MB-line-qdpx", ANY, "{fw} export -C {d} -o {d}/o.qdpx"))
    case("27-sentences-draft", g_sentences, C("27-400k-sentences-draft", ANY, "{fw} chart t --draft --all -C {d}"))
    case("28-chart-refs", g_chart_refs,
         C("28a-chart-refs-check", ERR, "{fw} check -C {d}"),
         C("28b-chart-refs-chart", ERR, "{fw} chart training -C {d} --pager never --width 120"),
         C("28c-chart-refs-rebase", ERR, "{fw} chart training --rebase all -C {d}"),
         C("28d-chart-refs-export", ANY, "{fw} export training --format md -C {d}"))
    case("29-chart-dupkeys", g_chart_dupkeys,
         C("29a-chart-dupkeys-check", ERR, "{fw} check -C {d}"),
         C("29b-chart-dupkeys-json", ERR, "{fw} check -C {d} --format json", post=valid_json_stdout))
    case("30-chart-20k-files", g_chart_many_files, C("30-chart-20k-files-check", ANY, "{fw} check -C {d}"))
    case("31-chart-300k-cells", g_chart_300k,
         C("31a-chart-300k-orphans-check", ANY, "{fw} check -C {d}"),
         C("31b-chart-300k-orphans-chart", ANY, "{fw} chart training -C {d} --pager never"),
         C("31c-chart-300k-orphans-edit", ANY, "{fw} chart training --accept all -C {d}", env={"EDITOR": "true"}))
    case("32-participants-200k-attrs", g_many_attrs,
         # Undeclared attributes are warnings (exit 0), as in a small file: read, warned, capped.
         C("32a-200k-attrs-check", ANY, "{fw} check -C {d}"),
         C("32b-200k-attrs-json", ANY, "{fw} export --format json -C {d} -o {d}/o.json"),
         C("32c-200k-attrs-chart-sort", ERR, "{fw} chart training -C {d} --pager never --attributes a1,a2 --sort a199999"))
    case("33-participants-csv-1M-cols", g_csv_wide,
         C("33a-csv-1M-cols-check", ANY, "{fw} check -C {d}"),
         C("33b-csv-1M-cols-json", ANY, "{fw} export --format json -C {d} -o {d}/o.json"))
    case("34-participants-csv-100MB-field", g_csv_bigfield,
         C("34a-csv-100MB-field-check", ANY, "{fw} check -C {d}"),
         C("34b-csv-100MB-field-quotes", ANY, "{fw} quotes training.prequal -C {d} --allow-identifying -o {d}/q.txt"))
    case("35-attr-value-10MB", g_attr_10mb,
         C("35a-10MB-values-check", ANY, "{fw} check -C {d}"),
         C("35b-10MB-values-quotes", ANY, "{fw} quotes training.prequal -C {d} --allow-identifying -o {d}/q.txt"),
         C("35c-10MB-values-chart", ANY, "{fw} chart training -C {d} --attributes note --pager never --width 200"))
    case("36-attribution-150k-placeholders", g_attribution(lambda: "{role}, {sector}, {years}, {nation}, " * 37500),
         C("36a-150k-placeholders-check", ANY, "{fw} check -C {d}"),
         C("36b-150k-placeholders-quotes", ANY, "{fw} quotes training.prequal -C {d}"),
         C("36c-150k-placeholders-views", ANY, "{fw} summarise training --view views -C {d}"))
    for name, n, cmds in (("37-attribution-300k-unknown", 300000, (("37a-300k-unknown-ph-quotes", "quotes training.prequal"), ("37b-300k-unknown-ph-check", "check"))),
                          ("37s-30k-unknown", 30000, (("37s-30k-unknown-ph-check", "check"),)),
                          ("37t-60k-unknown", 60000, (("37t-60k-unknown-ph-check", "check"),))):
        case(name, g_attribution(lambda n=n: "".join("{x%d} " % i for i in range(n))),
             *[C(c, ANY, "{fw} %s -C {d}" % sub) for c, sub in cmds])
    case("38-attribution-braces", g_attribution(lambda: "{{(" * 1500000 + "{role}" + ")}}" * 1500000),
         C("38-attribution-3M-braces-quotes", ANY, "{fw} quotes training.prequal -C {d}"))
    case("39-100k-values", g_many_values(),
         C("39a-100k-values-check", ANY, "{fw} check -C {d}"),  # undeclared: warnings, exit 0
         C("39b-100k-values-compare", ERR, "{fw} summarise -C {d} --by grp --view compare --min-group 1 -o {d}/c.txt"),
         C("39c-100k-values-compare-default", ERR, "{fw} summarise -C {d} --by grp --view compare"),
         C("39d-100k-values-quotes-by", ERR, "{fw} quotes t.s --by grp -C {d} --min-group 1 -o {d}/q.txt"),
         C("39e-100k-values-chart-sort", ERR, "{fw} chart t --sort grp --attributes grp,num -C {d} --pager never"),
         C("39f-100k-values-views", ERR, "{fw} summarise -C {d} --by num --view views,coverage --min-group 1 -o {d}/v.txt"))
    case("39g-100k-values-declared", g_many_values(declared=True),
         C("39g-100k-values-check", ANY, "{fw} check -C {d}"),
         C("39h-100k-values-compare", ANY, "{fw} summarise -C {d} --by grp --view compare --min-group 1 -o {d}/c.txt"),
         C("39i-100k-values-compare-default", ANY, "{fw} summarise -C {d} --by grp --view compare"),
         C("39j-100k-values-quotes-by", ANY, "{fw} quotes t.s --by grp -C {d} --min-group 1 -o {d}/q.txt"),
         C("39k-100k-values-chart-sort", ANY, "{fw} chart t --sort grp --attributes grp,num -C {d} --pager never"),
         C("39l-100k-values-views", ANY, "{fw} summarise -C {d} --by num --view views,coverage --min-group 1 -o {d}/v.txt"))
    case("39n-100k-values-noattr", g_many_values(declared=True, attribution=False),
         C("39n-100k-values-noattr-check", ANY, "{fw} check -C {d}"),
         C("39o-100k-values-noattr-compare", ANY, "{fw} summarise -C {d} --by grp --view compare --min-group 1 -o {d}/c.txt"))
    case("40-jobs-threads", g_many_transcripts,
         C("40a-40k-transcripts-j100000", ANY, "{fw} check -C {d} -j 100000"),
         C("40b-40k-transcripts-j4294967297", ERR, "{fw} check -C {d} -j 4294967297"),
         C("40c-40k-transcripts-j-1", ERR, "{fw} check -C {d} -j -1"),
         C("40d-40k-transcripts-export-j100000", ANY, "{fw} export --format json -C {d} -j 100000 -o {d}/o.json"))
    case("41-participants-typo-big-ok", g_participants_60k(False), C("41a-60k-participants-ok-check", ANY, "{fw} check -C {d}"))
    # A mistyped attribute name is a warning (unknown-attribute), as in a small file: the file is
    # read on, so success is allowed.
    case("41-participants-typo-big", g_participants_60k(True),
         C("41b-60k-participants-one-typo-check", ANY, "{fw} check -C {d}"),
         C("41c-60k-participants-one-typo-chart", ANY, "{fw} chart training --attributes role -C {d} --pager never"))
    case("42-symlink-loops", g_symlinks,
         C("42a-symlink-loops-check", ERR, "{fw} check -C {d}"),
         C("42b-fw-self-link", ERR, "{fw} check -C {d}/self-framework"),
         C("42c-participants-self-link", ERR, "{fw} check -C {d}/self-participants"),
         C("42d-o-self-link", ERR, "{fw} export training --format csv -C {d} -o {d}/loop.csv"))
    case("43-weird-file-names", g_weird_names,
         C("43a-weird-names-check", ERR, "{fw} check -C {d}", post=no_esc_stderr),
         C("43b-weird-names-json", ERR, "{fw} check -C {d} --format json", post=valid_json_stdout),
         C("43c-weird-names-qdpx", ANY, "{fw} export -C {d} -o {d}/o.qdpx", post=no_esc_stderr))
    case("44-transcripts-root", g_transcripts_root,
         C("44a-transcripts-slash", ERR, "{fw} check -C {d}/slash"),
         C("44b-transcripts-abs-glob", ERR, "{fw} check -C {d}/glob"),
         C("44c-transcripts-dotdot", ERR, "{fw} check -C {d}/up"))
    case("45-fw-numbers", g_fw_numbers, C("45-fw-numbers-check", ERR, "{fw} check -C {d}"))
    case("46-opts-numbers", g_none,
         C("46a-max-file-size-0", ERR, "{fw} check -C {ex} --max-file-size 0"),
         C("46b-max-file-size-huge", ERR, "{fw} check -C {ex} --max-file-size 99999999999999999T"),
         C("46c-max-file-size-neg", ERR, "{fw} check -C {ex} --max-file-size -1"),
         C("46d-max-file-size-1", ERR, "{fw} check -C {ex} --max-file-size 1"),
         C("46e-top-huge", ERR, "{fw} summarise training --view cooccurrence --top 18446744073709551615 -C {ex}"),
         C("46f-max-words-0", ERR, "{fw} quotes training.prequal --max-words 0 -C {ex}"),
         C("46g-min-group-huge", ERR, "{fw} summarise -C {ex} --by role --min-group 18446744073709551615"),
         C("46h-min-group-0", ERR, "{fw} quotes training.prequal -C {ex} --min-group 0"),
         C("46i-width-0", ERR, "{fw} show P01 -C {ex} --width 0"),
         C("46j-where-128K", ANY, "{fw} chart training -C {ex} --pager never --where role=" + "x" * 131000),
         C("46k-max-expansion-neg", ERR, "{fw} import {ex}/../../README.md -o {d}/x --max-expansion -5"))
    dev_full = lambda n, e, a: C(n, e, a + " > /dev/full", shell=True)
    case("47-outputs", g_outputs,
         C("47a-o-dev-full", ERR, "{fw} export training --format csv -C {ex} -o /dev/full"),
         dev_full("47b-stdout-dev-full-export", ERR, "{fw} export training --format csv -C {ex}"),
         dev_full("47c-stdout-dev-full-check-json", ERR, "{fw} check --format json -C {ex}"),
         dev_full("47d-stdout-dev-full-show", ERR, "{fw} show P01 -C {ex}"),
         C("47e-stdout-closed-quotes", ERR, "{fw} quotes training.prequal -C {ex} >&-", shell=True),
         C("47f-o-under-a-file", ERR, "{fw} export training --format csv -C {ex} -o {d}/afile/x.csv"),
         C("47g-o-proc", ERR, "{fw} export training --format csv -C {ex} -o /proc/self/x.csv"),
         C("47h-o-sys-ro", ERR, "{fw} export training --format csv -C {ex} -o /sys/kernel/x.csv"),
         C("47i-o-empty", ANY, "{fw} export training --format csv -C {ex} -o ''", shell=True),
         C("47j-o-dir", ANY, "{fw} export training --format csv -C {ex} -o {d}/adir"),
         C("47k-o-qdpx-dev-full", ERR, "{fw} export -C {ex} -o /dev/full --format qdpx"),
         C("47l-o-xlsx-dev-full", ERR, "{fw} export -C {ex} -o /dev/full --format xlsx"),
         C("47m-summarise-html-dev-full", ERR, "{fw} summarise -C {ex} -f html -o /dev/full"),
         dev_full("47n-stdout-dev-full-codes", ERR, "{fw} codes -C {ex}"),
         dev_full("47o-stdout-dev-full-chart", ERR, "{fw} chart training -C {ex} --pager never"),
         dev_full("47p-stdout-dev-full-summarise", ERR, "{fw} summarise -C {ex}"),
         C("47q-o-name-too-long", ERR, "{fw} export training --format csv -C {ex} -o {d}/" + "a" * 300 + ".csv"),
         C("47r-init-dev-full", ERR, "{fw} init /dev/full"),
         C("47s-import-o-dev-null", ERR, "{fw} import {d}/traversal.qdpx -o /dev/null"))
    case("48-import", g_import,
         C("48a-import-traversal", ERR, "{fw} import {d}/traversal.qdpx -o {d}/o-a", post=no_passwd),
         C("48b-import-deep-xml-1M", ERR, "{fw} import {d}/deep.qdpx -o {d}/o-b"),
         C("48c-import-qdc-1.4M-unclosed", ERR, "{fw} import {d}/deep.qdc -o {d}/o-c"),
         C("48d-import-charrefs", ERR, "{fw} import {d}/charrefs.qdpx -o {d}/o-d"),
         C("48e-import-19999-sources", ANY, "{fw} import {d}/s19999.qdpx -o {d}/o-e"),
         C("48f-import-csv-100MB-field", ERR, "{fw} import {d}/big.csv --transcripts {d}/t1 -o {d}/o-f"),
         C("48g-import-csv-offsets", ERR, "{fw} import {d}/off.csv --transcripts {d}/t2 -o {d}/o-g"),
         C("48h-import-csv-1M-rows", ERR, "{fw} import {d}/rows1M.csv --transcripts {d}/t3 -o {d}/o-h"),
         C("48i-import-csv-199999-notfound", ERR, "{fw} import {d}/rows199k.csv --transcripts {d}/t4 -o {d}/o-i"),
         C("48j-import-csv-199999-found", ANY, "{fw} import {d}/rows199kfound.csv --transcripts {d}/t5 -o {d}/o-j"),
         C("48k-import-deep-xml-noratio", ANY, "{fw} import {d}/deep.qdpx -o {d}/o-k --max-expansion 0"),
         C("48l-import-qdc-1.4M-deep-closed", ANY, "{fw} import {d}/deepclosed.qdc -o {d}/o-l"),
         C("48m-import-bare-qde-1.4M-deep", ANY, "{fw} import {d}/bare/project.qde -o {d}/o-m"))
    case("49-merge", g_merge(fw),
         C("49a-merge-10M-deep-json", ERR, "{fw} merge {d}/deep.json -o {d}/o.json"),
         C("49b-merge-1e99999", ERR, "{fw} merge {d}/num.json {d}/p1.json -o {d}/o.json"),
         C("49c-merge-1000-dup-parts", ERR, "{fw} merge {d}/dup*.json -o {d}/o.json", shell=True),
         C("49d-merge-ok", ANY, "{fw} merge {d}/p1.json {d}/p2.json -o {d}/o.json"),
         C("49e-merge-dev-zero", ERR, "{fw} merge /dev/zero {d}/p1.json -o {d}/o.json"),
         C("49f-merge-same-file-twice", ERR, "{fw} merge {d}/p1.json {d}/p1.json {d}/p2.json -o {d}/o.json"),
         C("49g-merge-o-is-input", ERR, "{fw} merge {d}/p1.json {d}/p2.json -o {d}/p1.json"))
    case("50-deep-dirs", g_deep_dirs,
         C("50a-deep-dirs-check", ERR, "{fw} check -C {d}"),
         C("50b-deep-dirs-qdpx", ANY, "{fw} export -C {d} -o {d}/../50.qdpx"))
    case("51-deep-chain", g_deep_chain,
         C("51a-deep-chain-check", ANY, "{fw} check -C {d}"),
         C("51b-deep-chain-show", ANY, "{fw} show P02 -C {d}"),
         C("51c-deep-chain-qdpx", ANY, "{fw} export -C {d} -o {d}/../51.qdpx"))
    case("52-corpus-250MB", g_corpus,
         C("52a-corpus-check", ANY, "{fw} check -C {d} -q"),
         C("52b-corpus-qdpx", ANY, "{fw} export -C {d} -o {d}/../52.qdpx"),
         C("52c-corpus-json", ANY, "{fw} export --format json -C {d} -o {d}/../52.json"))
    det = []
    for s in ("example", "overlap", "weird", "refs", "nul"):
        for fmt, a in (("qdpx", "export -C {d}/%s -q -o {out}" % s),
                       ("json", "export --format json -C {d}/%s -q -o {out}" % s),
                       ("xlsx", "export --format xlsx -C {d}/%s -q -o {out}" % s),
                       ("check-json", "check --format json -C {d}/%s > {out}" % s),
                       ("sum-json", "summarise -C {d}/%s --min-group 1 -f json > {out}" % s)):
            det.append(C("53-%s-%s" % (s, fmt), ANY, "{fw} " + a + " -j {j}" if ">" not in a else "{fw} " + a.replace(" >", " -j {j} >"),
                         shell=True, jobs=(1, 2, 7), out_file="53-%s.%s" % (s, fmt.replace("-", "."))))
    case("53-determinism", g_determinism, *det)
    case("54-html", g_html,
         C("54a-html-export", ANY, "{fw} export --format html --content both -C {d} -o {d}/o.html", post=html_if_exists("o.html")),
         C("54b-html-summarise", ANY, "{fw} summarise -f html -C {d} --min-group 1 -o {d}/s.html", post=html_if_exists("s.html")))
    case("55-parallel-yaml", g_parallel_yaml(8),
         C("55a-8x4MB-frontmatter-j1", ANY, "{fw} check -C {d} -j 1"),
         C("55b-8x4MB-frontmatter-j8", ANY, "{fw} check -C {d} -j 8"))
    case("55s-1x4MB-frontmatter", g_parallel_yaml(1), C("55c-1x4MB-frontmatter", ANY, "{fw} check -C {d}"))
    case("56-only-from", g_only_from,
         C("56-only-from-20k-globs", ANY, "{fw} export --format json --only-from {d}/globs.txt -C {d} -o {d}/o.json"))
    return L

# ----------------------------------------------------------------------------- running
LOCATED = re.compile(rb"^[^ \n][^\n]*:[0-9]+:[0-9]+: (error|warning)|^[^ \n][^ \n]*: (error|warning)", re.M)

def group_members(pgid):
    """Process ids whose process group is pgid (from /proc)."""
    pids = []
    for e in os.listdir("/proc"):
        if e.isdigit():
            try:
                with open("/proc/%s/stat" % e) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[2]) == pgid:
                    pids.append(int(e))
            except (OSError, IndexError, ValueError):
                pass
    return pids

GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None

def run_one(argv, shell, cwd, out, err, timeout, env):
    """Run one command; return (status, cpu, rss_mb, wall) where status is an int exit code,
    ('sig', N), 'timeout' or ('nostart', why).  CPU time comes from os.wait4 on the child.
    Peak RSS comes from /usr/bin/time -f %M when present: a child forked from this Python
    process starts with Python's own high-water mark (~20 MB), which wait4 would report as
    the floor for every command; GNU time's is ~2 MB.  Without it, wait4's figure is used."""
    e = dict(os.environ)
    e.update(env or {})
    tfile = None
    if GNU_TIME:
        tfile = err + ".rss"
        if os.path.exists(tfile):
            os.remove(tfile)
        argv = [GNU_TIME, "-q", "-f", "%M", "-o", tfile] + (["/bin/sh", "-c", argv] if shell else argv)
        shell = False
        wrapped = True
    else:
        wrapped = False
    t0 = time.monotonic()
    with open(out, "wb") as fo, open(err, "wb") as fe:
        try:
            p = subprocess.Popen(argv, shell=shell, cwd=cwd, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe,
                                 env=e, start_new_session=True)
        except OSError as ex:
            return ("nostart", str(ex)), 0.0, 0, 0.0
        timed_out = False
        while True:
            pid, st, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - t0 > timeout:
                timed_out = True
                # Kill the command but not the /usr/bin/time wrapping it, so that the wrapper
                # reaps it and its CPU time and peak RSS still reach us; then the rest.
                for other in group_members(p.pid):
                    if other != p.pid:
                        try:
                            os.kill(other, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                t1 = time.monotonic()
                while time.monotonic() - t1 < 3:
                    pid, st, ru = os.wait4(p.pid, os.WNOHANG)
                    if pid:
                        break
                    time.sleep(0.02)
                if not pid:
                    try:
                        os.killpg(p.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    pid, st, ru = os.wait4(p.pid, 0)
                break
            time.sleep(0.02)
        p.returncode = 0  # reaped by wait4; keep Popen from waiting again
    wall = time.monotonic() - t0
    cpu = ru.ru_utime + ru.ru_stime
    rss = ru.ru_maxrss / 1024.0
    sig = None
    if tfile and os.path.exists(tfile):
        with open(tfile, errors="replace") as f:
            lines = f.read().splitlines()
        for line in lines:
            m = re.search(r"terminated by signal (\d+)", line)
            if m:
                sig = int(m.group(1))
        if lines and lines[-1].strip().isdigit():
            rss = int(lines[-1]) / 1024.0
    if timed_out:
        return "timeout", cpu, rss, wall
    if os.WIFSIGNALED(st):
        return ("sig", os.WTERMSIG(st)), cpu, rss, wall
    if sig is not None:
        return ("sig", sig), cpu, rss, wall
    code = os.WEXITSTATUS(st)
    if (shell or wrapped) and code > 128:  # a shell reports a killed child as 128+N
        return ("sig", code - 128), cpu, rss, wall
    if (shell or wrapped) and code in (126, 127):
        return ("nostart", "exit %d (command not run)" % code), cpu, rss, wall
    return code, cpu, rss, wall

def judge(cmd, status, cpu, rss):
    why = []
    if status == "timeout":
        why.append("timeout")
    elif isinstance(status, tuple) and status[0] == "sig":
        why.append("signal %d" % status[1])
    elif isinstance(status, tuple):
        why.append("could not start")
    elif status == 0 and cmd.expect == ERR:
        why.append("exit 0 on bad input")
    if cpu > CPU_LIMIT:
        why.append("cpu > %g s" % CPU_LIMIT)
    if rss > RSS_LIMIT_MB:
        why.append("rss > %d MB" % RSS_LIMIT_MB)
    return why

def show_status(s):
    if s == "timeout":
        return "timeout"
    if isinstance(s, tuple):
        return "sig %d" % s[1] if s[0] == "sig" else "no start"
    return str(s)

def md(s):
    return s.replace("|", "\\|")

def main():
    ap = argparse.ArgumentParser(description="Hostile-input acceptance sweep (see the header of this file).")
    ap.add_argument("framework_bin")
    ap.add_argument("--only", metavar="PATTERN", help="regular expression on 'case/command'")
    ap.add_argument("--keep", metavar="DIR", help="generate under DIR and keep the inputs and outputs")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--list", action="store_true", help="list the cases and commands, run nothing")
    a = ap.parse_args()
    fw = os.path.abspath(a.framework_bin)
    if not a.list and not os.access(fw, os.X_OK):
        sys.exit("hostile_sweep: %s is not an executable file" % fw)
    pat = re.compile(a.only) if a.only else None
    plan = []
    for name, gen, cmds in cases(fw):
        sel = [c for c in cmds if not pat or pat.search(name + "/" + c.name)]
        if sel:
            plan.append((name, gen, sel))
    if a.list:
        for name, _, cmds in plan:
            for c in cmds:
                print("%s/%s\t%s" % (name, c.name, c.expect))
        return 0
    if not plan:
        sys.exit("hostile_sweep: no command matches --only %r" % a.only)
    top = os.path.abspath(a.keep) if a.keep else tempfile.mkdtemp(prefix="hostile_sweep.")
    os.makedirs(top, exist_ok=True)
    logs = os.path.join(top, "logs")
    os.makedirs(logs, exist_ok=True)
    print("framework: %s  timeout: %g s  limits: %g s CPU, %d MB RSS  work: %s" % (fw, a.timeout, CPU_LIMIT, RSS_LIMIT_MB, top))
    print()
    print("| case | command | expect | exit | CPU s | peak MB | located | verdict |")
    print("|---|---|---|---|---|---|---|---|")
    sys.stdout.flush()
    npass = nfail = 0
    t_start = time.monotonic()
    try:
        for name, gen, cmds in plan:
            d = os.path.join(top, name)
            remove_tree(d)
            try:
                tg = time.monotonic()
                gen(d)
                print("<!-- %s: generated in %.1f s -->" % (name, time.monotonic() - tg), file=sys.stderr)
            except Exception as ex:
                for c in cmds:
                    nfail += 1
                    print("| %s | %s | %s | - | - | - | - | FAIL: generator raised %s |" % (name, c.name, c.expect, md(repr(ex))[:80]))
                continue
            for c in cmds:
                out, err = os.path.join(logs, c.name + ".out"), os.path.join(logs, c.name + ".err")
                sub = dict(fw=fw, d=d, ex=EX, long=LONG)
                runs = c.jobs or (None,)
                status, cpu, rss, why, outputs = 0, 0.0, 0.0, [], []
                for j in runs:
                    target = None
                    if c.out_file:
                        stem, ext = os.path.splitext(c.out_file)
                        target = os.path.join(d, "%s-j%s%s" % (stem, j, ext))
                    text = c.argv.format(j=j, out=target, **sub)
                    argv = text if c.shell else text.split(" ")
                    if not c.shell:
                        argv = [x for x in argv if x != ""]
                    s, cp, rs, _ = run_one(argv, c.shell, d if os.path.isdir(d) else top, out, err, a.timeout, c.env)
                    cpu, rss = max(cpu, cp), max(rss, rs)
                    if status == 0:
                        status = s  # the first failing run's status is the one shown
                    why += [x for x in judge(c, s, cp, rs) if x not in why]
                    if target:
                        outputs.append(target)
                if len(outputs) > 1:
                    blobs = []
                    for o in outputs:
                        try:
                            with open(o, "rb") as f:
                                blobs.append(f.read())
                        except OSError:
                            blobs.append(None)
                    if any(b != blobs[0] for b in blobs[1:]):
                        why.append("output differs between -j %s" % "/".join(map(str, runs)))
                if c.post and not why:
                    try:
                        r = c.post(d, out, err)
                    except Exception as ex:
                        r = "check raised %r" % ex
                    if r:
                        why.append(r)
                with open(err, "rb") as f:
                    located = "yes" if LOCATED.search(f.read(1 << 20)) else "no"
                verdict = "PASS" if not why else "FAIL: " + ", ".join(why)
                npass += not why
                nfail += bool(why)
                print("| %s | %s | %s | %s | %.1f | %.0f | %s | %s |" % (name, c.name, c.expect, show_status(status), cpu, rss, located, md(verdict)))
                sys.stdout.flush()
            if not a.keep:
                remove_tree(d)
                for extra in ("50.qdpx", "51.qdpx", "52.qdpx", "52.json"):
                    if os.path.exists(os.path.join(top, extra)):
                        os.remove(os.path.join(top, extra))
    finally:
        if not a.keep:
            remove_tree(top)
    print()
    print("%d PASS, %d FAIL (%d commands, %.0f s)" % (npass, nfail, npass + nfail, time.monotonic() - t_start))
    return 1 if nfail else 0

if __name__ == "__main__":
    sys.exit(main())
