#!/usr/bin/env python3
"""Seed corpora for the fuzzers, generated from the repository's own cases.

    make_corpus.py SOURCE_DIR OUT_DIR

Reads the conformance cases (tests/data/conformance*/**.json: definition, input, mocks),
the examples and the benchmark definitions, and writes one folder per fuzzer under OUT_DIR:
load_machine, json_path, intrinsic, payload_template, yaml, mock_config, run. Inputs of two
parts are separated by the byte 0x01 (see fuzz_input.hpp). Nothing is copied from elsewhere:
every seed comes from a file of this repository.
"""
import hashlib
import json
import os
import sys

SEP = b"\x01"
TEMPLATE_FIELDS = ("Parameters", "ResultSelector", "ItemSelector", "Arguments", "Assign", "Output")
MAX_SEED = 64 * 1024


def cases(source):
    """(definition, input, mocks) for every definition-bearing JSON file of the repository."""
    roots = [os.path.join(source, "tests", "data"), os.path.join(source, "examples"),
             os.path.join(source, "benchmarks", "definitions")]
    for root in roots:
        for folder, _, files in sorted(os.walk(root)):
            for name in sorted(files):
                if not name.endswith(".json"):
                    continue
                try:
                    with open(os.path.join(folder, name), encoding="utf-8") as f:
                        doc = json.load(f)
                except (ValueError, OSError):
                    continue
                if isinstance(doc, dict) and isinstance(doc.get("definition"), dict):
                    yield doc["definition"], doc.get("input", {}), doc.get("mocks")
                elif isinstance(doc, dict) and "StartAt" in doc and "States" in doc:
                    yield doc, {}, None
                elif isinstance(doc, dict) and "StateMachines" in doc:
                    yield None, None, doc  # a mock file


def walk(value, pointer=""):
    """Every (key, value) pair below value."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k, v
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)


def to_yaml(value, indent=0):
    """Block-style YAML for a JSON value (strings quoted as JSON, which YAML accepts)."""
    pad = " " * indent
    if isinstance(value, dict) and value:
        lines = []
        for k, v in value.items():
            key = json.dumps(k)
            if isinstance(v, (dict, list)) and v:
                lines.append(f"{pad}{key}:\n{to_yaml(v, indent + 2)}")
            else:
                lines.append(f"{pad}{key}: {json.dumps(v)}")
        return "\n".join(lines)
    if isinstance(value, list) and value:
        lines = []
        for v in value:
            if isinstance(v, (dict, list)) and v:
                inner = to_yaml(v, indent + 2).lstrip()
                lines.append(f"{pad}- {inner}")
            else:
                lines.append(f"{pad}- {json.dumps(v)}")
        return "\n".join(lines)
    return pad + json.dumps(value)


def mock_file(definition_name, mocks):
    """A conformance case's mocks ({state: [entries]}) as a Step Functions Local mock file."""
    responses, states = {}, {}
    for state, entries in mocks.items():
        if not isinstance(entries, list):
            continue
        name = "R" + str(len(responses))
        responses[name] = {str(i): e for i, e in enumerate(entries)}
        states[state] = name
    return {"StateMachines": {definition_name: {"TestCases": {"Case": states}}}, "MockedResponses": responses}


class corpus:
    def __init__(self, out):
        self.out = out
        self.count = {}

    def add(self, fuzzer, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        if len(data) > MAX_SEED:
            return
        folder = os.path.join(self.out, fuzzer)
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, hashlib.sha1(data).hexdigest())
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(data)
            self.count[fuzzer] = self.count.get(fuzzer, 0) + 1


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source, out = sys.argv[1], sys.argv[2]
    c = corpus(out)
    for definition, given, mocks in cases(source):
        doc = json.dumps(given if given is not None else {}).encode()
        if definition is not None:
            text = json.dumps(definition, indent=1)
            c.add("load_machine", text)
            c.add("yaml", to_yaml(definition) + "\n")
            c.add("run", text.encode() + SEP + doc)
            for key, value in walk(definition):
                if isinstance(value, str) and value.startswith("$"):
                    c.add("json_path", value.encode() + SEP + doc)
                if isinstance(value, str) and value.startswith("States."):
                    c.add("intrinsic", value.encode() + SEP + doc)
                if key in TEMPLATE_FIELDS and isinstance(value, (dict, list)):
                    c.add("payload_template", json.dumps(value).encode() + SEP + doc)
        if isinstance(mocks, dict):
            if "StateMachines" in mocks:
                c.add("mock_config", json.dumps(mocks, indent=1))
            else:
                c.add("mock_config", json.dumps(mock_file("M", mocks), indent=1))
    for fuzzer in ("load_machine", "json_path", "intrinsic", "payload_template", "yaml", "mock_config", "run"):
        folder = os.path.join(out, fuzzer)
        os.makedirs(folder, exist_ok=True)
        print(f"{fuzzer}: {len(os.listdir(folder))} seeds ({c.count.get(fuzzer, 0)} new)")


if __name__ == "__main__":
    main()
