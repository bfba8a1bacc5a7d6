#!/usr/bin/env python3
"""Independent sanity check of a study written by gen_corpus.py (standard library only).

Not a replacement for `framework check`: it reads only the subset of YAML the generator
writes. It checks, per transcript: UTF-8 and NFC, front matter with the right participant,
that every line starting with `LABEL:` uses a declared label, and the tag syntax of
the transcript format: only known codes, no code (or column) opened twice, no close without open,
`{/}` only with something open, no empty segment, nothing open at end of file, no stray
brace or backslash. Prints a summary and exits 1 on the first file with problems.

Usage: python3 bench/validate_corpus.py STUDY_DIR
"""

import os
import re
import sys
import unicodedata

LABEL_RE = re.compile(r"^\s*([^\s:{}]+):")


def load_codes(study):
    """Maps every code (default theme.subtheme and aliases) to its column."""
    codes = {}
    theme = None
    sub = None
    with open(os.path.join(study, "framework.yaml"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^  - id: (\S+)$", line)
            if m:
                theme = m.group(1)
                continue
            m = re.match(r"^      - id: (\S+)$", line)
            if m:
                sub = m.group(1)
                codes[f"{theme}.{sub}"] = (theme, sub)
                continue
            m = re.match(r"^        codes: \[(.*)\]$", line)
            if m:
                for alias in m.group(1).split(","):
                    alias = alias.strip()
                    if alias in codes:
                        raise SystemExit(f"alias {alias} used twice")
                    codes[alias] = (theme, sub)
    return codes


def load_participants(study):
    with open(os.path.join(study, "participants.yaml"), encoding="utf-8") as f:
        return re.findall(r"\{id: ([^,]+),", f.read())


def check_transcript(path, pid, codes, stats):
    errs = []
    raw = open(path, "rb").read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return [f"invalid UTF-8 at byte {e.start}"]
    if unicodedata.normalize("NFC", text) != text:
        errs.append("not NFC")
    lines = text.split("\n")
    if lines[0] != "---":
        return ["no front matter"]
    end = lines.index("---", 1)
    fm = dict(l.split(": ", 1) for l in lines[1:end])
    if fm.get("participant") != pid:
        errs.append(f"front matter participant {fm.get('participant')!r} != {pid}")
    labels = {"INT", pid}

    open_codes = {}          # code -> (line, chars of text seen since opening)
    open_cols = set()
    for ln in range(end + 1, len(lines)):
        line = lines[ln]
        lineno = ln + 1
        stats["lines"] += 1
        stats["maxlen"] = max(stats["maxlen"], len(line))
        body = line
        m = LABEL_RE.match(line)
        if m:
            if m.group(1) not in labels:
                errs.append(f"{lineno}: line starts with undeclared label {m.group(1)!r}")
            body = line[m.end():]
        if "\\" in body:
            errs.append(f"{lineno}: backslash")
        pos = 0
        for tm in re.finditer(r"\{([^{}]*)\}", body):
            seg_text = body[pos:tm.start()]
            if seg_text.strip():
                for c in open_codes:
                    open_codes[c][1] = True
            pos = tm.end()
            inner = tm.group(1)
            if inner == "/":
                if not open_codes:
                    errs.append(f"{lineno}: {{/}} with nothing open")
                for c, (l0, nonempty) in open_codes.items():
                    if not nonempty:
                        errs.append(f"{lineno}: empty segment {c} (opened L{l0})")
                    stats["segments"] += 1
                open_codes.clear()
                open_cols.clear()
                stats["closeall"] += 1
            elif inner.startswith("/"):
                c = inner[1:]
                if c not in open_codes:
                    errs.append(f"{lineno}: close without open {c}")
                    continue
                l0, nonempty = open_codes.pop(c)
                open_cols.discard(codes.get(c))
                if not nonempty:
                    errs.append(f"{lineno}: empty segment {c}")
                if l0 != lineno:
                    stats["multiline"] += 1
                stats["segments"] += 1
            else:
                names = [x.strip() for x in inner.split(",")]
                if len(names) > 1:
                    stats["multiopen"] += 1
                if open_codes:
                    stats["opened_while_open"] += 1
                for c in names:
                    if c not in codes:
                        errs.append(f"{lineno}: unknown code {c!r}")
                        continue
                    if c in open_codes or codes[c] in open_cols:
                        errs.append(f"{lineno}: {c} already open")
                    open_codes[c] = [lineno, False]
                    open_cols.add(codes[c])
                    stats["used"].add(c)
        rest = body[pos:]
        if rest.strip():
            for c in open_codes:
                open_codes[c][1] = True
        stray = re.sub(r"\{[^{}]*\}", "", body)
        if "{" in stray or "}" in stray:
            errs.append(f"{lineno}: stray brace")
    for c, (l0, _) in open_codes.items():
        errs.append(f"unclosed segment {c} opened at line {l0}")
    return errs


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[-1])
    study = sys.argv[1]
    codes = load_codes(study)
    parts = load_participants(study)
    if len(set(parts)) != len(parts):
        sys.exit("duplicate participant ids")
    tdir = os.path.join(study, "transcripts")
    files = sorted(n for n in os.listdir(tdir) if n.endswith(".txt"))
    if [f[:-4] for f in files] != sorted(parts):
        sys.exit("transcript files and participants differ")
    stats = {"lines": 0, "maxlen": 0, "segments": 0, "multiline": 0, "multiopen": 0,
             "closeall": 0, "opened_while_open": 0, "used": set()}
    for name in files:
        errs = check_transcript(os.path.join(tdir, name), name[:-4], codes, stats)
        if errs:
            print(f"{name}: " + "\n  ".join(errs[:20]))
            sys.exit(1)
    unused = sorted(set(codes) - stats["used"])
    used = stats.pop("used")
    print(f"ok: {len(files)} transcripts, {len(codes)} codes ({len(used)} used), {stats}")
    if unused:
        print(f"unused codes: {unused[:10]}{' ...' if len(unused) > 10 else ''}")


if __name__ == "__main__":
    main()
