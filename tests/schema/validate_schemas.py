#!/usr/bin/python3
"""Validate the JSON Schemas in schemas/ and hold them in agreement with the C++ loader.

    /usr/bin/python3 tests/schema/validate_schemas.py --root /work/main [--framework-bin PATH]

(a) every schema is a valid draft 2020-12 schema, has $schema/$id/title/description, and a
    description on every property; the definitions shared between schemas are identical;
(b) every example study under examples/*/ validates (framework.yaml, its participants file when
    it is YAML, charts/*.yaml);
(c) fixtures in tests/schema/fixtures/{good,bad}/ named framework-*.yaml, participants-*.yaml or
    chart-*.yaml: good ones validate, bad ones fail (and fail as their `# expect:` lines say);
(d) with --framework-bin: each framework-*/participants-* fixture is put in a temporary study and
    `framework check -C DIR --format json` must agree with the schema: a good fixture gets no
    error or warning in its file, a bad one at least one (cross-file rules such as
    participant-without-transcript are left out). The JSON output must validate against
    schemas/check-output.schema.json; on each example, `chart THEME --format json` against
    chart-output.schema.json, and `export --format json` against export.schema.json, with the
    same cells as `chart` gives for every theme; `summarise --format json` (every view, grouped
    by each attribute, with --within turn, and the case view of each participant) against
    summarise-output.schema.json, with no group smaller than min_group.

Uses Debian's python3-jsonschema and python3-yaml, hence /usr/bin/python3. Exit status: 0 when
everything agrees, 1 on any failure, 2 on a usage error.
"""

import argparse
import copy
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import yaml
    from jsonschema import Draft202012Validator
except ImportError as e:  # pragma: no cover - environment problem
    sys.stderr.write(
        f"validate_schemas.py: {e}\n"
        "run it with /usr/bin/python3 (Debian's python3-jsonschema and python3-yaml)\n")
    sys.exit(2)

SCHEMA_FILES = {
    "framework": "framework.schema.json",
    "participants": "participants.schema.json",
    "chart": "chart.schema.json",
    "check-output": "check-output.schema.json",
    "chart-output": "chart-output.schema.json",
    "export": "export.schema.json",
    "quotes-output": "quotes-output.schema.json",
    "summarise-output": "summarise-output.schema.json",
}
ID_PREFIX = "https://framework-qda.org/schemas/"
FIXTURE_KINDS = ("framework", "participants", "chart")
EXPECT_RE = re.compile(r"^#\s*expect:\s*(\S+)\s+at\s+(\S+)\s*$")

# Rules about how files relate to each other, not about a file's format: no schema can express
# them, so (d) leaves them out. The participants fixtures' studies have no transcripts, so every
# participant there draws participant-without-transcript (a warning in participants.yaml).
# An attribution template naming attributes the fixture's stand-in participants file lacks draws
# unknown-placeholder (a warning in framework.yaml, about participants.yaml).
CROSS_FILE_RULES = {"participant-without-transcript", "unknown-placeholder"}

# The study files' companions for (d).
COMPANION_PARTICIPANTS = "participants:\n  - id: P01\n"
COMPANION_FRAMEWORK = """\
framework: 1
title: Schema agreement test
attribution: Participant
themes:
  - id: t
    label: T
    subthemes:
      - id: s
        label: S
"""


# ---------------------------------------------------------------------------------------------
# YAML loading

class StudyLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans (only true/false), as editors and yaml-cpp scalars see them.

    PyYAML follows YAML 1.1, where `no`, `yes`, `on`, `off` are booleans: a category value `no`
    would otherwise be validated as false.
    """


StudyLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StudyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


def to_json_value(value):
    """Turns what YAML loaded into what JSON Schema sees: dates and timestamps become ISO 8601
    strings (YAML reads `date: 2022-02-21` as a date), mapping keys become strings."""
    if isinstance(value, dict):
        return {json_key(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json_value(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def json_key(key):
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(to_json_value(key))


def load_yaml(path):
    """Returns (data, None) or (None, error message)."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            return to_json_value(yaml.load(f, Loader=StudyLoader)), None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        return None, f"cannot load: {e}".replace("\n", " ")


# ---------------------------------------------------------------------------------------------
# Reporting

class Report:
    def __init__(self):
        self.checks = 0
        self.failures = []

    def ok(self, what, detail=""):
        self.checks += 1
        print(f"  ok        {what}" + (f"  ({detail})" if detail else ""))

    def fail(self, what, details):
        self.checks += 1
        self.failures.append(what)
        print(f"  FAIL      {what}")
        for line in details:
            print(f"              {line}")

    def note(self, text):
        print(f"  note      {text}")


def pointer(path):
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts)


def describe(error):
    return f"{error.validator} at {pointer(error.absolute_path)}: {error.message}"


def schema_errors(validator, data):
    return sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.validator))


# ---------------------------------------------------------------------------------------------
# (a) the schemas themselves

def walk_schema(node, where, problems):
    """Every entry of every `properties` must carry a description (editors show it). The
    properties of an `if` are conditions, not declarations, and are skipped."""
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            for name, sub in props.items():
                if not (isinstance(sub, dict) and isinstance(sub.get("description"), str)
                        and sub["description"].strip()):
                    problems.append(f"{where}/properties/{name} has no description")
        for key, sub in node.items():
            if key != "if":
                walk_schema(sub, f"{where}/{key}", problems)
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            walk_schema(sub, f"{where}/{i}", problems)


def check_schemas(root, report):
    print("== (a) schemas")
    schemas = {}
    for name, file in SCHEMA_FILES.items():
        path = root / "schemas" / file
        rel = f"schemas/{file}"
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            report.fail(rel, [f"cannot load: {e}"])
            continue
        problems = []
        try:
            Draft202012Validator.check_schema(schema)
        except Exception as e:  # jsonschema.SchemaError
            problems.append(f"not a valid draft 2020-12 schema: {getattr(e, 'message', e)}")
        if schema.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
            problems.append("$schema is not https://json-schema.org/draft/2020-12/schema")
        if schema.get("$id") != f"{ID_PREFIX}{file}":
            problems.append(f"$id is not {ID_PREFIX}{file}")
        for key in ("title", "description"):
            if not isinstance(schema.get(key), str) or not schema[key].strip():
                problems.append(f"no {key}")
        walk_schema(schema, "#", problems)
        if problems:
            report.fail(rel, problems)
        else:
            report.ok(rel)
        schemas[name] = schema

    # Each schema is self-contained (editors fetch one file), so shared definitions are copied;
    # they must stay identical.
    shared = [
        ("framework", "participants", "attributeDeclaration", None),
        ("framework", "participants", "attributes", None),
        ("framework", "participants", "identifier", "pattern"),
        ("framework", "chart", "identifier", "pattern"),
        ("chart-output", "export", "chartCell", None),
    ]
    for a, b, definition, key in shared:
        if a not in schemas or b not in schemas:
            continue
        da = schemas[a].get("$defs", {}).get(definition)
        db = schemas[b].get("$defs", {}).get(definition)
        if key is not None:
            da = da.get(key) if isinstance(da, dict) else None
            db = db.get(key) if isinstance(db, dict) else None
        what = f"$defs/{definition}{'/' + key if key else ''} same in {a} and {b}"
        if da is None or da != db:
            report.fail(what, [f"{a}: {json.dumps(da)}", f"{b}: {json.dumps(db)}"])
        else:
            report.ok(what)
    return {name: Draft202012Validator(s) for name, s in schemas.items()}


# ---------------------------------------------------------------------------------------------
# (b) example studies

def validate_file(validator, path, rel, report):
    data, err = load_yaml(path)
    if err:
        report.fail(rel, [err])
        return
    errors = schema_errors(validator, data)
    if errors:
        report.fail(rel, [describe(e) for e in errors])
    else:
        report.ok(rel)


def check_examples(root, validators, report):
    print("== (b) example studies")
    studies = sorted(p for p in (root / "examples").glob("*/") if (p / "framework.yaml").is_file())
    if not studies:
        report.note("no examples/*/framework.yaml found; nothing to validate")
        return studies
    for study in studies:
        base = study.relative_to(root)
        validate_file(validators["framework"], study / "framework.yaml", f"{base}/framework.yaml", report)
        framework, _ = load_yaml(study / "framework.yaml")
        participants = "participants.yaml"
        if isinstance(framework, dict) and isinstance(framework.get("participants"), str):
            participants = framework["participants"]
        ppath = study / participants
        if ppath.suffix.lower() in (".yaml", ".yml"):
            if ppath.is_file():
                validate_file(validators["participants"], ppath, f"{base}/{participants}", report)
            else:
                report.note(f"{base}/{participants} does not exist")
        else:
            report.note(f"{base}/{participants} is not YAML; no schema applies")
        for chart in sorted((study / "charts").glob("*.yaml")):
            validate_file(validators["chart"], chart, f"{base}/charts/{chart.name}", report)
    return studies


# ---------------------------------------------------------------------------------------------
# (c) fixtures

def fixture_kind(path):
    for kind in FIXTURE_KINDS:
        if path.name.startswith(kind + "-") and path.suffix == ".yaml":
            return kind
    return None


def fixture_files(root):
    base = root / "tests" / "schema" / "fixtures"
    for expectation in ("good", "bad"):
        for path in sorted((base / expectation).glob("*")):
            if path.is_file():
                yield expectation, path


def expectations(path):
    """`# expect: KEYWORD at /json/pointer` lines: a bad fixture must fail that way."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = EXPECT_RE.match(line.strip())
        if m:
            found.append((m.group(1), m.group(2)))
    return found


def check_fixtures(root, validators, report):
    print("== (c) fixtures")
    counts = {"good": 0, "bad": 0}
    for expectation, path in fixture_files(root):
        rel = f"{expectation}/{path.name}"
        kind = fixture_kind(path)
        if kind is None:
            report.fail(rel, ["name must be framework-*.yaml, participants-*.yaml or chart-*.yaml"])
            continue
        counts[expectation] += 1
        data, err = load_yaml(path)
        if err:
            report.fail(rel, [err, "fixtures must be well-formed YAML"])
            continue
        errors = schema_errors(validators[kind], data)
        if expectation == "good":
            if errors:
                report.fail(rel, ["good fixture rejected by the schema:"] + [describe(e) for e in errors])
            else:
                report.ok(rel, "valid")
            continue
        if not errors:
            report.fail(rel, ["bad fixture accepted by the schema"])
            continue
        wanted = expectations(path)
        missing = [(kw, ptr) for kw, ptr in wanted
                   if not any(e.validator == kw and pointer(e.absolute_path) == ptr for e in errors)]
        if missing:
            report.fail(rel, ["rejected, but not as expected:"]
                        + [f"expected {kw} at {ptr}" for kw, ptr in missing]
                        + ["got " + describe(e) for e in errors])
        else:
            report.ok(rel, "rejected: " + describe(errors[0]))
    print(f"  ({counts['good']} good, {counts['bad']} bad fixtures)")


# ---------------------------------------------------------------------------------------------
# (d) agreement with the C++ loader

def first_code(framework):
    """`<first theme>.<first subtheme>` of a (possibly invalid) framework, or None."""
    if not isinstance(framework, dict):
        return None
    themes = framework.get("themes")
    if not isinstance(themes, list) or not themes or not isinstance(themes[0], dict):
        return None
    theme = themes[0]
    subthemes = theme.get("subthemes")
    if not isinstance(subthemes, list) or not subthemes or not isinstance(subthemes[0], dict):
        return None
    tid, sid = theme.get("id"), subthemes[0].get("id")
    if isinstance(tid, (dict, list)) or isinstance(sid, (dict, list)) or tid is None or sid is None:
        return None
    return f"{tid}.{sid}"


def build_study(tmp, kind, fixture):
    """Writes the fixture and its minimal companions into tmp; returns the fixture's study path."""
    (tmp / "transcripts").mkdir()
    if kind == "framework":
        shutil.copyfile(fixture, tmp / "framework.yaml")
        (tmp / "participants.yaml").write_text(COMPANION_PARTICIPANTS, encoding="utf-8")
        data, _ = load_yaml(fixture)
        code = first_code(data)
        if code is not None:
            (tmp / "transcripts" / "P01.txt").write_text(
                f"P01: {{{code}}}Some coded text.{{/}}\n", encoding="utf-8")
        return "framework.yaml"
    shutil.copyfile(fixture, tmp / "participants.yaml")
    (tmp / "framework.yaml").write_text(COMPANION_FRAMEWORK, encoding="utf-8")
    return "participants.yaml"


def format_diagnostic(d):
    if not isinstance(d, dict):
        return repr(d)
    where = str(d.get("file", "?"))
    if "line" in d:
        where += f":{d['line']}"
        if "column" in d:
            where += f":{d['column']}"
    text = f"{where}: {d.get('severity', '?')}: {d.get('message', '')} [{d.get('rule', '?')}]"
    if d.get("hint"):
        text += f" ({d['hint']})"
    return text


def run_check(binary, study, timeout=60):
    """Returns (parsed JSON or None, problems)."""
    try:
        proc = subprocess.run([binary, "check", "-C", str(study), "--format", "json"],
                              capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, [f"cannot run {binary}: {e}"]
    problems = []
    if proc.returncode not in (0, 1):
        problems.append(f"exit status {proc.returncode} (expected 0 or 1)")
    try:
        output = json.loads(proc.stdout)
    except ValueError as e:
        return None, problems + [f"stdout is not JSON ({e}): {proc.stdout[:500]!r}",
                                 f"stderr: {proc.stderr[:500]!r}"]
    if isinstance(output, dict):
        errors = [d for d in output.get("diagnostics", []) if isinstance(d, dict)
                  and d.get("severity") == "error"]
        if bool(errors) != (proc.returncode == 1):
            problems.append(f"exit status {proc.returncode} but {len(errors)} error(s) reported")
    return output, problems


def check_agreement(root, binary, validators, studies, keep, report):
    print(f"== (d) agreement with {binary}")
    output_validator = validators.get("check-output")
    for expectation, path in fixture_files(root):
        kind = fixture_kind(path)
        if kind not in ("framework", "participants"):
            continue
        rel = f"{expectation}/{path.name}"
        tmp = Path(tempfile.mkdtemp(prefix=f"schema-{path.stem}-"))
        problems = []
        try:
            target = build_study(tmp, kind, path)
            output, problems = run_check(binary, tmp)
            if output is not None and output_validator is not None:
                problems += ["output does not match check-output.schema.json: " + describe(e)
                             for e in schema_errors(output_validator, output)]
            diagnostics = output.get("diagnostics", []) if isinstance(output, dict) else []
            if not isinstance(diagnostics, list):
                diagnostics = []
            in_file = [d for d in diagnostics if isinstance(d, dict)
                       and d.get("severity") in ("error", "warning")
                       and isinstance(d.get("file"), str)
                       and os.path.normpath(d["file"]) == target]
            ignored = [d for d in in_file if d.get("rule") in CROSS_FILE_RULES]
            in_file = [d for d in in_file if d.get("rule") not in CROSS_FILE_RULES]
            if output is not None:
                if expectation == "good" and in_file:
                    problems.append(f"good fixture, but the binary reports in {target}:")
                    problems += ["  " + format_diagnostic(d) for d in in_file]
                elif expectation == "bad" and not in_file:
                    problems.append(f"bad fixture, but the binary reports no error or warning in {target}")
                    problems += ["  all diagnostics:"] + ["    " + format_diagnostic(d) for d in diagnostics]
            if problems:
                if keep:
                    problems.append(f"study kept in {tmp}")
                report.fail(f"DISAGREE  {rel}", problems)
            elif expectation == "good":
                detail = f"no error or warning in {target}"
                if ignored:
                    rules = sorted({d["rule"] for d in ignored})
                    detail += f"; ignored cross-file {', '.join(rules)}"
                report.ok(f"agree     {rel}", detail)
            else:
                report.ok(f"agree     {rel}", format_diagnostic(in_file[0]))
        finally:
            if not (keep and problems):
                shutil.rmtree(tmp, ignore_errors=True)

    # The example studies: the output of check must have the documented shape.
    for study in studies:
        rel = f"{study.relative_to(root)} (check output shape)"
        output, problems = run_check(binary, study)
        if output is not None and output_validator is not None:
            problems += [describe(e) for e in schema_errors(output_validator, output)]
        if problems:
            report.fail(rel, problems)
        else:
            summary = output.get("summary", {})
            report.ok(rel, f"{summary.get('errors')} errors, {summary.get('warnings')} warnings")

    # Every theme's `chart --format json` must have the documented shape.
    chart_validator = validators.get("chart-output")
    for study in studies:
        with open(study / "framework.yaml", encoding="utf-8") as f:
            themes = [t.get("id") for t in (yaml.safe_load(f) or {}).get("themes", [])]
        for theme in themes:
            rel = f"{study.relative_to(root)} (chart {theme} --format json shape)"
            output, problems = run_json(
                binary, ["chart", str(theme), "-C", str(study), "--format", "json"],
                chart_validator)
            if problems:
                report.fail(rel, problems)
            else:
                report.ok(rel, f"{len(output.get('rows', []))} rows")

    # `export --format json` must have the documented shape, and hold the same cells as
    # `chart --format json` shows for each theme.
    export_validator = validators.get("export")
    for study in studies:
        rel = f"{study.relative_to(root)} (export --format json shape)"
        output, problems = run_json(binary, ["export", "-C", str(study), "--format", "json"],
                                    export_validator)
        if output is not None and not problems:
            for matrix in output.get("matrices", []):
                chart = subprocess.run([binary, "chart", matrix["theme"], "-C", str(study),
                                        "--format", "json"], capture_output=True, text=True)
                try:
                    chart_rows = json.loads(chart.stdout).get("rows", [])
                except ValueError:
                    chart_rows = None
                ours = [(r["participant"], r["cells"]) for r in matrix["rows"]]
                theirs = [(r["participant"], r["cells"]) for r in chart_rows or []]
                if ours != theirs:
                    problems.append(f"matrix {matrix['theme']} differs from chart --format json")
        if problems:
            report.fail(rel, problems)
        else:
            report.ok(rel, f"{len(output.get('matrices', []))} matrices")

    # `summarise --format json` must have the documented shape in every mode, and never show a
    # group smaller than its min_group.
    summarise_validator = validators.get("summarise-output")
    for study in studies:
        participants_file = study / "participants.yaml"
        attributes, ids = [], []
        if participants_file.is_file():
            data, _ = load_yaml(participants_file)
            if isinstance(data, dict):
                attributes = list((data.get("attributes") or {}).keys())
                ids = [p.get("id") for p in data.get("participants") or [] if isinstance(p, dict)]
        runs = [[], ["--within", "turn", "--words"]]
        runs += [["--by", a] for a in attributes]
        runs += [["--by", a, "--min-group", "4"] for a in attributes[:1]]
        runs += [["--participant", str(p)] for p in ids]
        for extra in runs:
            rel = f"{study.relative_to(root)} (summarise {' '.join(extra + ['--format', 'json'])} shape)"
            output, problems = run_json(
                binary, ["summarise", "-C", str(study), "--format", "json", "-q", *extra],
                summarise_validator)
            if output is None and len(problems) == 1 and problems[0].startswith(
                    "exit status 1:") and "no breakdown by" in problems[0]:
                # A breakdown whose small groups cannot be merged up to the minimum is refused
                # (docs/disclosure.md): exit 1 and nothing on stdout is the documented answer.
                report.ok(rel, "refused")
                continue
            if output is not None:
                minimum = output.get("settings", {}).get("min_group", 1)
                for group in output.get("groups") or []:
                    if group.get("size", 0) < minimum:
                        problems.append(f"group {group.get('label')!r} is below min_group")
            if problems:
                report.fail(rel, problems)
            else:
                report.ok(rel, ", ".join(output.get("views", [])))


    # `quotes --format json` must have the documented shape: grouped and not, with and without
    # ids, on the first sub-theme of each theme.
    quotes_validator = validators.get("quotes-output")
    for study in studies:
        try:
            framework = yaml.safe_load((study / "framework.yaml").read_text(encoding="utf-8"))
            columns = [f"{t['id']}.{t['subthemes'][0]['id']}" for t in framework["themes"]]
        except (OSError, KeyError, IndexError, TypeError, yaml.YAMLError):
            continue
        for column in columns:
            for extra in ([], ["--by", "role", "--ids", "--max-words", "8"]):
                rel = f"{study.relative_to(root)} (quotes {column} {' '.join(extra)} json shape)"
                output, problems = run_json(
                    binary, ["quotes", column, "-C", str(study), "--format", "json", *extra],
                    quotes_validator)
                if output is not None and not output.get("groups"):
                    problems.append("no quotes")
                if problems:
                    report.fail(rel, problems)
                else:
                    report.ok(rel, f"{len(output['groups'])} groups")


def run_json(binary, args, validator):
    """Runs the binary; returns (output, problems): its stdout parsed as JSON (None when the run
    failed or printed no JSON) and what is wrong, schema violations against `validator` included."""
    proc = subprocess.run([binary, *args], capture_output=True, text=True)
    if proc.returncode != 0:
        return None, [f"exit status {proc.returncode}: {proc.stderr[:300]!r}"]
    try:
        output = json.loads(proc.stdout)
    except ValueError as e:
        return None, [f"stdout is not JSON ({e})"]
    return output, [describe(e) for e in schema_errors(validator, output)]


# ---------------------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=".", help="repository root (default: .)")
    parser.add_argument("--framework-bin", metavar="PATH",
                        help="the framework executable; enables the loader agreement check (d)")
    parser.add_argument("--keep-temp", action="store_true",
                        help="keep the temporary study of every fixture that disagrees")
    args = parser.parse_args(argv)

    root = Path(args.root).resolve()
    if not (root / "schemas").is_dir():
        parser.error(f"{root}/schemas is not a directory")
    binary = None
    if args.framework_bin:
        binary = os.path.abspath(args.framework_bin)
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            parser.error(f"{args.framework_bin} is not an executable file")

    report = Report()
    validators = check_schemas(root, report)
    missing = [name for name in SCHEMA_FILES if name not in validators]
    if missing:
        print(f"cannot go on without {', '.join(missing)} schema(s)")
        return 1
    studies = check_examples(root, validators, report)
    check_fixtures(root, validators, report)
    if binary:
        check_agreement(root, binary, validators, studies, args.keep_temp, report)
    else:
        print("== (d) skipped (no --framework-bin)")

    print(f"== {report.checks} checks, {len(report.failures)} failed")
    for what in report.failures:
        print(f"  failed: {what}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
