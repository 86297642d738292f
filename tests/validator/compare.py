#!/usr/bin/env python3
"""Runs AWS's ASL validator (npm amazon-states-language-service, pinned) and stepfn's loader on
every definition of the repository (tests/data/**, examples/**, benchmarks/definitions/**) and
on generated variants (generate.py), and lists every disagreement. Exits 1 only when a
disagreement is not documented in docs/validation.md ("Where stepfn and AWS's validator
disagree": each documented case id or id prefix in backquotes, with the evidence).

    compare.py STEPFN_VALIDATE_RUNNER [--source DIR] [--show N]
"""
import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def repository_definitions(source):
    for root in ("tests/data", "examples", "benchmarks/definitions"):
        for folder, _, files in sorted(os.walk(os.path.join(source, root))):
            for name in sorted(files):
                if not name.endswith(".json"):
                    continue
                path = os.path.join(folder, name)
                try:
                    with open(path, encoding="utf-8") as f:
                        doc = json.load(f)
                except (ValueError, OSError):
                    continue
                rel = os.path.relpath(path, source)
                if isinstance(doc, dict) and isinstance(doc.get("definition"), dict):
                    yield rel, json.dumps(doc["definition"])
                elif isinstance(doc, dict) and "StartAt" in doc and "States" in doc:
                    yield rel, json.dumps(doc)


def run(command, requests, cwd=None):
    payload = "".join(json.dumps(r) + "\n" for r in requests)
    done = subprocess.run(command, input=payload, capture_output=True, text=True, cwd=cwd, timeout=900)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return {r["id"]: r for r in map(json.loads, done.stdout.splitlines())}


def documented(source):
    """Case ids (or prefixes ending in '/' or '*') listed in docs/validation.md's section."""
    with open(os.path.join(source, "docs", "validation.md"), encoding="utf-8") as f:
        text = f.read()
    match = re.search(r"^## Where stepfn and AWS's validator disagree\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    if not match:
        return []
    return re.findall(r"^\| `([^`]+)`", match.group(1), re.M)


def is_documented(case_id, entries):
    for entry in entries:
        if entry.endswith("*") and case_id.startswith(entry[:-1]):
            return True
        if case_id == entry:
            return True
    return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("runner", help="the stepfn_validate_oracle program")
    parser.add_argument("--source", default=os.path.normpath(os.path.join(HERE, "..", "..")))
    parser.add_argument("--show", type=int, default=400)
    args = parser.parse_args()

    if not os.path.isdir(os.path.join(HERE, "node_modules", "amazon-states-language-service")):
        print("installing the pinned validator: npm ci in tests/validator", flush=True)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)

    requests = [{"id": i, "text": t} for i, t in repository_definitions(args.source)]
    generated = subprocess.run([sys.executable, os.path.join(HERE, "generate.py")], capture_output=True, text=True,
                               check=True).stdout
    requests += [json.loads(line) for line in generated.splitlines()]

    aws = run(["node", os.path.join(HERE, "aws_validate.cjs")], requests, cwd=HERE)
    ours = run([args.runner], requests)
    entries = documented(args.source)

    disagreements, undocumented = [], []
    for r in requests:
        a, s = aws[r["id"]], ours[r["id"]]
        if a["valid"] == s["valid"]:
            continue
        kind = "stepfn rejects, AWS accepts" if a["valid"] else "stepfn accepts, AWS rejects"
        why = s["errors"] if a["valid"] else a["errors"]
        line = f"{r['id']}: {kind}: {'; '.join(why)[:300]}"
        disagreements.append(line)
        if not is_documented(r["id"], entries):
            undocumented.append(line)

    agree = len(requests) - len(disagreements)
    print(f"validator: {len(requests)} definitions, {agree} agree, {len(disagreements)} disagree "
          f"({len(disagreements) - len(undocumented)} documented, {len(undocumented)} not)")
    for line in disagreements[: args.show]:
        print(("  documented  " if line not in undocumented else "  UNDOCUMENTED ") + line)
    if undocumented:
        print(f"{len(undocumented)} disagreements are not documented in docs/validation.md")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
