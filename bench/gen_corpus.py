#!/usr/bin/env python3
"""Seeded, deterministic generator of a synthetic `framework` study for benchmarking.

Writes DIR/framework.yaml, DIR/participants.yaml and DIR/transcripts/P00001.txt ... in the
formats of the README and docs/decisions.md. Every generated study is meant
to pass `framework check` with no errors and no warnings; the same seed and parameters give
byte-identical output.

Speed: lines of prose are built once, at start-up, from word lists (a few thousand lines per
width); a transcript is then assembled line by line from those pools, with code tags inserted
at word boundaries of the lines that carry them, and written with one write per file. The
defaults (4,000 transcripts) come to about 250 MB.

Standard library only. Usage: python3 bench/gen_corpus.py -o /tmp/study [--transcripts N] ...
"""

import argparse
import datetime
import json
import os
import random
import re
import sys
import time
import unicodedata

# ---------------------------------------------------------------------------------------------
# Word lists

WORDS = """
and the a to of in it that I was we you they he she is but so for with on at be not have
had this just really think know mean there what about like would could when which them
their our were been very quite some more other then because lot sort kind actually
social work worker team case cases family families child children parent parents partner
partners perpetrator perpetrators victim victims violence abuse domestic intimate risk
assessment referral referrals service services training course courses session sessions
police MARAC health school schools probation agency agencies council manager managers
supervision support caseload visit visits home safety plan plans programme programmes
waiting list lists time months years weeks day days week year honestly probably maybe
always never often sometimes usually difficult hard easy worried concerned confident
understand understanding behaviour behaviours control coercive emotional physical
financial economic sexual pattern patterns disclosure disclose disclosed engage engaged
engaging engagement talk talked talking conversation conversations meeting meetings
colleague colleagues practice practitioner practitioners guidance policy policies
procedure procedures threshold thresholds evidence record records notes report reports
court order orders housing mental substance alcohol drugs history background experience
university degree placement qualified qualifying lecture lectures module modules online
face workshop workshops e-learning released release cover budget funding gap gaps
provision provider providers charity voluntary sector local national rural urban area
areas language interpreter interpreters culture cultural community communities faith
honour shame reputation trust fear escalation leave leaving stayed stay relationship
relationships young older men women male female gay lesbian trans same-sex couple
couples example examples first second third last next previous everyone nobody somebody
something nothing anything everything whole part bit lot little big small different same
important useful helpful good bad better worse best worst new old recent recently early
late still already again ever also only even much many most few several enough too
""".split()

QUESTION_STEMS = [
    "Can you tell me about",
    "How do you usually handle",
    "What happens next with",
    "Could you say a bit more about",
    "How confident do you feel about",
    "What gets in the way of",
    "Who else is involved in",
    "What would help with",
    "How did you learn about",
    "Has anything changed in",
    "What does your team do about",
    "Is there anything else on",
]

NON_ASCII_WORDS = """
Caerdydd Cymraeg cwtch Siân Llŷr Môn Ynys Aberystwyth Llandudno Pen-y-bont gwasanaethau
cymdeithasol diolch hiraeth bore plentyn teulu gweithiwr cefnogaeth Dafydd Gwenllïan Ffion
Małgorzata Łódź Kraków Wrocław przemoc rodzina współpraca źródło gęś jaźń żółw zażółć
pracownik socjalny Józef Zofia Ślęża
社会工作 家庭暴力 培训 支持 风险评估 合作 社工 家庭 儿童 服务
“honestly” “safe” don’t can’t it’s we’re –
""".split()

THEME_WORDS = """
role understanding training identification treatment reflections agencies assessment
safety provision referral culture guidance supervision housing health policing schools
courts language funding wellbeing outcomes workforce recording thresholds community
""".split()

SUBTHEME_WORDS = """
background caseload definition behaviours profiles sources prequal postqual access content
gaps routes facilitators barriers provision bridging confidence recommendations support
partners timing escalation engagement recording thresholds trust language interpreters
budget workload rural online peer policy procedure evidence outcomes review
""".split()

SUBTHEME_WORDS_NON_ASCII = ["cymorth", "współpraca", "cefnogaeth", "źródła", "teulu", "jaźń"]

ROLES = ["practitioner", "manager", "academic"]
SECTORS = ["children's services", "adult social care"]

MAX_WIDTH = 78          # target line width in code points (a tagged line may go a little over)
FIRST_WIDTH = 68        # first line of a participant turn, after "P00001: "
MIN_WIDTH = 24          # narrowest pool line used to make room for tags
MAIN_POOL = 8192        # full-width lines (must be a power of two)
NARROW_POOL = 64        # lines per narrower width


# ---------------------------------------------------------------------------------------------
# Pools of prebuilt lines

def sentence_stream(rng, words):
    """Yields tokens forming sentences: capitalised first word, comma or full stop at ends."""
    n = len(words)
    while True:
        length = rng.randint(6, 18)
        for i in range(length):
            w = words[rng.randrange(n)]
            if i == 0 and w.isascii() and w[:1].islower():
                w = w[0].upper() + w[1:]
            if i == length - 1:
                w += "." if rng.random() < 0.85 else "?"
            elif i > 2 and rng.random() < 0.06:
                w += ","
            yield w


def build_lines(stream, width, count):
    """`count` lines of whole tokens joined by single spaces, each at most `width` code points."""
    out = []
    cur = []
    cur_len = 0
    for tok in stream:
        add = len(tok) + (1 if cur else 0)
        if cur and cur_len + add > width:
            out.append(" ".join(cur))
            if len(out) == count:
                return out
            cur, cur_len = [tok], len(tok)
        else:
            cur.append(tok)
            cur_len += add
    return out


class Line:
    """A pool line with its gaps: 0 (start), the index of every space, and len (end)."""
    __slots__ = ("text", "gaps")

    def __init__(self, text):
        self.text = text
        self.gaps = [0] + [i for i, ch in enumerate(text) if ch == " "] + [len(text)]


def tag_line(line, tags, rng):
    """Inserts tags (list of (is_open, tag)) into the line at distinct, increasing word gaps.

    An open tag is glued to the word after its gap and a close tag to the word before, and no
    two tags share a gap, so there is always at least one word between consecutive tags; an
    open never sits at the end of the line and a close never at its start. Returns None when
    the line has too few words for the tags."""
    gaps = line.gaps
    last = len(gaps) - 1                    # index of the end gap
    lo = 0 if tags[0][0] else 1
    hi = last if not tags[-1][0] else last - 1
    if hi - lo + 1 < len(tags):
        return None
    chosen = sorted(rng.sample(range(lo, hi + 1), len(tags)))
    text = line.text
    pieces = []
    prev = 0
    for (is_open, tag), g in zip(tags, chosen):
        pos = gaps[g]
        if g != 0 and g != last and is_open:
            pos += 1                        # after the space: glued to the next word
        pieces.append(text[prev:pos])
        pieces.append(tag)
        prev = pos
    pieces.append(text[prev:])
    return "".join(pieces)


# ---------------------------------------------------------------------------------------------
# Study structure

def make_framework(n_themes, n_sub, aliases, non_ascii):
    themes = []
    for t in range(n_themes):
        base = THEME_WORDS[t % len(THEME_WORDS)]
        tid = base if t < len(THEME_WORDS) else f"{base}{t // len(THEME_WORDS) + 1}"
        subs = []
        used = set()
        for s in range(n_sub):
            if non_ascii and s == 1 and t % 3 == 0:
                base_s = SUBTHEME_WORDS_NON_ASCII[(t // 3) % len(SUBTHEME_WORDS_NON_ASCII)]
            else:
                base_s = SUBTHEME_WORDS[(t * 7 + s) % len(SUBTHEME_WORDS)]
            sid = base_s
            k = 2
            while sid in used:
                sid = f"{base_s}{k}"
                k += 1
            used.add(sid)
            sub = {"id": sid, "label": f"{sid.capitalize()} ({tid})",
                   "description": f"What participants said about {sid} under {tid}"}
            if aliases:
                sub["codes"] = [f"{tid}-{sid}"]  # no dot, so never equal to a default code
            subs.append(sub)
        label = f"{tid.capitalize()} and related issues"
        if non_ascii and t == 0:
            label += " – gwasanaethau cymdeithasol"
        themes.append({"id": tid, "label": label,
                       "description": f"Synthetic theme {t + 1} of {n_themes}",
                       "subthemes": subs})
    return themes


def q(s):
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(s, ensure_ascii=False)


FNV_OFFSET = 14695981039346656037
FNV_PRIME = 1099511628211
MASK64 = (1 << 64) - 1


def hash_hex(data):
    """HashHex of text.h: FNV-1a 64 of the UTF-8 bytes, 16 lower-case hex digits."""
    h = FNV_OFFSET
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & MASK64
    return f"{h:016x}"


TAG_RE = re.compile(r"\{(/?)([^{}]*)\}")


def turn_segments(lines, first_line, column_of):
    """The coded segments of one participant turn's text lines (label removed), as
    (column, text, line_start, line_end): text with tags removed and white space collapsed, as
    Transcript::SegmentText gives it (the generator writes NFC text), in order of opening."""
    done = []
    open_segs = {}      # code -> [column, chunks, line_start]
    groups = []         # codes of each multi-open, innermost last
    for li, line in enumerate(lines):
        if li:
            for seg in open_segs.values():
                seg[1].append("\n")
        pos = 0
        for m in TAG_RE.finditer(line):
            piece = line[pos:m.start()]
            for seg in open_segs.values():
                seg[1].append(piece)
            pos = m.end()
            if m.group(1):                      # a close
                names = [m.group(2)] if m.group(2) else groups.pop()
                for name in names:
                    col, chunks, start = open_segs.pop(name)
                    done.append((col, " ".join("".join(chunks).split()), first_line + start,
                                 first_line + li))
            else:
                names = [n.strip() for n in m.group(2).split(",")]
                if len(names) > 1:
                    groups.append(names)
                for name in names:
                    open_segs[name] = [column_of[name], [], li]
        piece = line[pos:]
        for seg in open_segs.values():
            seg[1].append(piece)
    # In order of closing; within one column (all that CellSource needs) that is the order
    # of opening, as a column is opened at most once per pattern and patterns do not interleave.
    return done


def framework_yaml(args, themes):
    out = [
        "# Generated by bench/gen_corpus.py; do not edit.\n",
        "framework: 1\n",
        f"title: {q(f'Synthetic benchmark study (seed {args.seed}, {args.transcripts} transcripts)')}\n",
        "description: Generated corpus for timing framework check against wc -l\n",
        "transcripts: transcripts/\n",
        "participants: participants.yaml\n",
        "speakers: {INT: interviewer}\n",
        'attribution: "{role}, {sector}"\n',
        "themes:\n",
    ]
    for th in themes:
        out.append(f"  - id: {th['id']}\n")
        out.append(f"    label: {q(th['label'])}\n")
        out.append(f"    description: {q(th['description'])}\n")
        out.append("    subthemes:\n")
        for s in th["subthemes"]:
            out.append(f"      - id: {s['id']}\n")
            out.append(f"        label: {q(s['label'])}\n")
            out.append(f"        description: {q(s['description'])}\n")
            if "codes" in s:
                out.append(f"        codes: [{', '.join(s['codes'])}]\n")
    return "".join(out)


def participant_id(i):
    return f"P{i:05d}"


def participants_yaml(n, seed):
    rng = random.Random(f"participants-{seed}")
    out = [
        "# Generated by bench/gen_corpus.py; do not edit.\n",
        "attributes:\n",
        "  role: {type: category, values: [practitioner, manager, academic], "
        "description: Job role}\n",
        "  sector: {type: category, values: [\"children's services\", \"adult social care\"], "
        "description: Service area}\n",
        "  years: {type: integer, description: Years in post}\n",
        "participants:\n",
    ]
    for i in range(1, n + 1):
        out.append(f"  - {{id: {participant_id(i)}, role: {ROLES[rng.randrange(3)]}, "
                   f"sector: \"{SECTORS[rng.randrange(2)]}\", years: {rng.randint(1, 30)}}}\n")
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Transcripts

class Generator:
    def __init__(self, args, themes):
        self.args = args
        rng = random.Random(f"pools-{args.seed}-{args.non_ascii}")
        words = list(WORDS)
        if args.non_ascii:
            # About one token in twelve is Welsh, Polish, Chinese or typographic.
            extra = [unicodedata.normalize("NFC", w) for w in NON_ASCII_WORDS]
            words += extra * max(1, len(WORDS) // (len(extra) * 11))
        stream = sentence_stream(rng, words)
        self.main = build_lines(stream, MAX_WIDTH, MAIN_POOL)
        # A turn's first line starts a sentence.
        self.first = [t[0].upper() + t[1:] for t in build_lines(stream, FIRST_WIDTH, MAIN_POOL // 4)]
        self.narrow = {w: [Line(t) for t in build_lines(stream, w, NARROW_POOL)]
                       for w in range(MIN_WIDTH, MAX_WIDTH + 1)}
        self.questions = []
        for _ in range(512):
            stem = QUESTION_STEMS[rng.randrange(len(QUESTION_STEMS))]
            rest = build_lines(stream, rng.randint(14, 40), 1)[0]
            rest = rest.translate({ord("."): None, ord("?"): None, ord(","): None}).lower()
            self.questions.append(f"{stem} {rest}?")
        words_per_line = sum(len(l.split()) for l in self.main) / len(self.main)
        self.mean_lines = max(1.0, args.words_per_turn / words_per_line)

        # Columns (theme, sub-theme) and the code strings that index into them.
        self.defaults = []
        self.aliases = []
        for th in themes:
            for s in th["subthemes"]:
                self.defaults.append(f"{th['id']}.{s['id']}")
                self.aliases.append(s["codes"][0] if "codes" in s else None)
        self.ncols = len(self.defaults)
        self.column_of = {}
        for c, (d, a) in enumerate(zip(self.defaults, self.aliases)):
            self.column_of[d] = c
            if a:
                self.column_of[a] = c
        # Every column, and every alias, is used early on (the first code of each of the first
        # patterns walks through them all), so that even a small study uses all of them.
        self.cycle = [(c, False) for c in range(self.ncols)]
        if args.aliases:
            self.cycle += [(c, True) for c in range(self.ncols)]
        self.cycle_pos = 0

    # -- codes ----------------------------------------------------------------------------------

    def code(self, rng, col, alias=None):
        if alias is None:
            alias = self.args.aliases and rng.random() < 0.25
        return self.aliases[col] if alias else self.defaults[col]

    def first_code(self, rng):
        if self.cycle_pos < len(self.cycle):
            col, alias = self.cycle[self.cycle_pos]
            self.cycle_pos += 1
            return col, self.code(rng, col, alias)
        col = rng.randrange(self.ncols)
        return col, self.code(rng, col)

    def other_codes(self, rng, taken, k):
        """k codes for columns not in `taken`; half of the time from the same theme's area."""
        out = []
        while len(out) < k:
            if rng.random() < 0.5:
                col = (taken[0] + rng.randint(1, 3)) % self.ncols
            else:
                col = rng.randrange(self.ncols)
            if col not in taken:
                taken.append(col)
                out.append(self.code(rng, col))
        return out

    def pattern(self, rng, nlines):
        """Events (is_open, tag) of one coding pattern, in order."""
        col, a = self.first_code(rng)
        r = rng.random()
        if self.ncols < 2 or r < 0.6 or (r >= 0.8 and nlines < 2):  # {a} ... {/a}
            return [(True, "{" + a + "}"), (False, "{/" + a + "}")]
        if r < 0.8:                                         # {a, b} ... {/}  or  {a, b, c} ... {/}
            k = 2 if self.ncols < 3 or rng.random() < 0.7 else 3
            codes = [a] + self.other_codes(rng, [col], k - 1)
            return [(True, "{" + ", ".join(codes) + "}"), (False, "{/}")]
        b = self.other_codes(rng, [col], 1)[0]
        if rng.random() < 0.3:                              # nested: {a} {b} {/b} {/a}
            return [(True, "{" + a + "}"), (True, "{" + b + "}"),
                    (False, "{/" + b + "}"), (False, "{/" + a + "}")]
        return [(True, "{" + a + "}"), (True, "{" + b + "}"),  # overlapping: {a} {b} {/a} {/b}
                (False, "{/" + a + "}"), (False, "{/" + b + "}")]

    def coded_turn(self, rng, lines, first_prefix):
        """Replaces some of `lines` (the turn's text lines) with tagged lines."""
        n = len(lines)
        npat = 1
        if n >= 4 and rng.random() < 0.5:
            npat += 1
        if n >= 8 and rng.random() < 0.3:
            npat += 1
        chunk = n // npat
        for p in range(npat):
            c0 = p * chunk
            csize = chunk if p < npat - 1 else n - c0
            events = self.pattern(rng, csize)
            ne = len(events)
            # Window of lines the pattern spans: often one line, often two to four.
            span = min(csize - 1, (0, 0, 1, 1, 2, 3)[rng.randrange(6)])
            if ne > 2 and span == 0:
                span = 1                    # at most two tags on a line, so lines stay short
            start = c0 + rng.randrange(csize - span)
            slots = sorted(rng.sample(range((span + 1) * 2), ne))
            per_line = {}
            for s, ev in zip(slots, events):
                per_line.setdefault(start + s // 2, []).append(ev)
            for li, tags in per_line.items():
                extra = sum(len(t) for _, t in tags)
                base = FIRST_WIDTH if li == 0 and first_prefix else MAX_WIDTH
                width = max(MIN_WIDTH, base - extra)
                text = None
                while text is None:
                    pool = self.narrow[width]
                    text = tag_line(pool[rng.randrange(NARROW_POOL)], tags, rng)
                    width = MAX_WIDTH if width == MAX_WIDTH else min(MAX_WIDTH, width + 8)
                lines[li] = text

    def transcript(self, index, segments=None):
        """The transcript of participant `index`. When `segments` is a list, the coded segments
        are appended to it as (column, text, line_start, line_end) (see turn_segments)."""
        args = self.args
        rng = random.Random(f"t-{args.seed}-{index}")
        pid = participant_id(index)
        date = datetime.date(2021, 1, 4) + datetime.timedelta(days=(index * 37) % 900)
        out = ["---\n", f"participant: {pid}\n", f"date: {date.isoformat()}\n", "---\n"]
        line_no = 5                                 # the first line after the front matter
        main = self.main
        mask = MAIN_POOL - 1
        plabel = pid + ": "
        questions = self.questions
        for turn in range(args.turns):
            if turn % 2 == 0:
                out.append("INT: ")
                out.append(questions[rng.getrandbits(9)])
                out.append("\n\n")
                line_no += 2
                continue
            n = max(1, int(self.mean_lines * (0.5 + rng.random()) + 0.5))
            lines = [self.first[rng.getrandbits(11)]]
            if n > 1:
                s = rng.getrandbits(13) & mask
                lines += main[s:s + n - 1]
                if len(lines) < n:
                    lines += main[:n - len(lines)]
            if rng.random() < args.coded_fraction:
                self.coded_turn(rng, lines, True)
                if segments is not None:
                    segments += turn_segments(lines, line_no, self.column_of)
            out.append(plabel)
            out.append("\n".join(lines))
            out.append("\n\n")
            line_no += len(lines) + 1
        out[-1] = "\n"
        return "".join(out)


class ChartWriter:
    """Writes charts/<theme>.yaml as transcripts are generated: a chart entry for a share of
    the cells that have data, each with the `source` of the cell's coded text (so it is not
    stale) except for a small share given a wrong one on purpose (so some are)."""

    STATUSES = ("reviewed", "charted", "draft")

    def __init__(self, out_dir, themes, args, pool):
        self.args = args
        self.pool = pool
        self.columns = [(t, s["id"]) for t, th in enumerate(themes) for s in th["subthemes"]]
        cdir = os.path.join(out_dir, "charts")
        os.makedirs(cdir, exist_ok=True)
        self.files = []
        for th in themes:
            f = open(os.path.join(cdir, th["id"] + ".yaml"), "w", encoding="utf-8", newline="\n")
            f.write("# Generated by bench/gen_corpus.py; do not edit.\n")
            f.write(f"theme: {th['id']}\ncells:\n")
            self.files.append(f)
        self.cells = 0
        self.stale = 0

    def add(self, index, segments):
        rng = random.Random(f"chart-{self.args.seed}-{index}")
        by_col = {}
        for col, text, first, last in segments:
            by_col.setdefault(col, []).append((text, first, last))
        pid = participant_id(index)
        for col in sorted(by_col):
            if rng.random() >= self.args.charted_fraction:
                continue
            segs = by_col[col]
            source = hash_hex("\n".join(t for t, _, _ in segs).encode("utf-8"))
            if rng.random() < self.args.stale_fraction:
                source = f"{(int(source, 16) + 1) & MASK64:016x}"
                self.stale += 1
            refs = []
            for _, first, last in segs[:3]:
                ref = f"L{first}" if first == last else f"L{first}-{last}"
                if ref not in refs:
                    refs.append(ref)
            words = self.pool[rng.randrange(len(self.pool))].rstrip(".?,")
            summary = f"{words[:1].upper()}{words[1:]} ({refs[0]})."
            theme, sub = self.columns[col]
            f = self.files[theme]
            f.write(f"  - participant: {pid}\n    subtheme: {sub}\n"
                    f"    status: {self.STATUSES[rng.randrange(3)]}\n"
                    f"    summary: {q(summary)}\n    refs: [{', '.join(refs)}]\n"
                    f"    source: {source}\n    updated: 2024-01-01T00:00:00Z\n")
            self.cells += 1

    def close(self):
        for f in self.files:
            f.write("" if self.cells else "  []\n")
            f.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("-o", "--output", required=True, metavar="DIR", help="study directory to write")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--transcripts", type=int, default=4000, metavar="N")
    ap.add_argument("--turns", type=int, default=120, metavar="N",
                    help="speaker turns per transcript (interviewer and participant alternate)")
    ap.add_argument("--words-per-turn", type=int, default=135, metavar="N",
                    help="mean words per participant turn (varies 0.5x to 1.5x)")
    ap.add_argument("--themes", type=int, default=8, metavar="N")
    ap.add_argument("--subthemes", type=int, default=5, metavar="N", help="per theme")
    ap.add_argument("--coded-fraction", type=float, default=0.6, metavar="F",
                    help="fraction of participant turns that carry codes")
    ap.add_argument("--aliases", action="store_true",
                    help="give every sub-theme a `codes:` alias and use the aliases sometimes")
    ap.add_argument("--non-ascii", action="store_true",
                    help="mix Welsh, Polish and Chinese words (and curly quotes) into the text")
    ap.add_argument("--charted-fraction", type=float, default=0.5, metavar="F",
                    help="fraction of the cells with data that get a chart entry (charts/*.yaml)")
    ap.add_argument("--stale-fraction", type=float, default=0.02, metavar="F",
                    help="fraction of chart entries given a wrong source, so they show as stale")
    ap.add_argument("--no-charts", action="store_true", help="write no charts/ folder")
    ap.add_argument("--force", action="store_true",
                    help="write into a non-empty DIR, replacing the study files there")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args()

    if args.transcripts < 1 or args.turns < 1 or args.words_per_turn < 1 \
            or args.themes < 1 or args.subthemes < 1 or not 0.0 <= args.coded_fraction <= 1.0:
        ap.error("counts must be >= 1 and --coded-fraction within [0, 1]")
    if args.transcripts > 99999:
        ap.error("--transcripts is at most 99999 (participant ids are P00001..P99999)")

    out_dir = args.output
    tdir = os.path.join(out_dir, "transcripts")
    if os.path.isdir(out_dir) and os.listdir(out_dir):
        if not args.force:
            sys.exit(f"gen_corpus: {out_dir} is not empty (use --force to replace the study there)")
        # Remove what a previous run wrote, so no stale transcript survives.
        if os.path.isdir(tdir):
            for name in os.listdir(tdir):
                if name.endswith(".txt"):
                    os.unlink(os.path.join(tdir, name))
    os.makedirs(tdir, exist_ok=True)

    t0 = time.monotonic()
    themes = make_framework(args.themes, args.subthemes, args.aliases, args.non_ascii)
    with open(os.path.join(out_dir, "framework.yaml"), "w", encoding="utf-8", newline="\n") as f:
        f.write(framework_yaml(args, themes))
    with open(os.path.join(out_dir, "participants.yaml"), "w", encoding="utf-8", newline="\n") as f:
        f.write(participants_yaml(args.transcripts, args.seed))

    gen = Generator(args, themes)
    cdir = os.path.join(out_dir, "charts")
    if os.path.isdir(cdir):
        for name in os.listdir(cdir):
            if name.endswith(".yaml"):
                os.unlink(os.path.join(cdir, name))
    charts = None if args.no_charts else ChartWriter(out_dir, themes, args, gen.main)
    total = 0
    for i in range(1, args.transcripts + 1):
        segments = None if charts is None else []
        data = gen.transcript(i, segments).encode("utf-8")
        with open(os.path.join(tdir, participant_id(i) + ".txt"), "wb", buffering=0) as f:
            f.write(data)
        total += len(data)
        if charts is not None:
            charts.add(i, segments)
    if charts is not None:
        charts.close()
    if not args.quiet:
        dt = time.monotonic() - t0
        print(f"gen_corpus: {args.transcripts} transcripts, {total} bytes "
              f"({total / 1e6:.1f} MB), "
              f"{0 if charts is None else charts.cells} chart entries "
              f"({0 if charts is None else charts.stale} stale) in {dt:.1f} s -> {out_dir}",
              file=sys.stderr)


if __name__ == "__main__":
    main()
