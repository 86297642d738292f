#!/usr/bin/env python3
"""Checks the repository's internal Markdown links: every [text](path) and [text](path#anchor)
in the given files (default: docs/**/*.md and README.md) names a file that exists and, with an
anchor, a heading whose GitHub slug is that anchor. Also checks textual references of the form
`page.md, "Heading"` (or `[page.md](...), "Heading"`): a heading of that page must start with the
quoted text (a trailing "..." marks a shortened name). Prints every miss; exits 1 if any."""
import pathlib, re, sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
TEXT_REF = re.compile(r"(?:\[)?([\w./-]+\.md)(?:\]\(([^)\s]+)\))?,\s+\"([^\"]+)\"")


def slug(heading):
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def headings(path, cache={}):
    if path not in cache:
        names, fence = [], False
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.startswith("```"):
                fence = not fence
            elif not fence and re.match(r"#+ ", line):
                names.append(line.lstrip("#").strip())
        slugs, seen = set(), {}
        for name in names:
            s = slug(name)
            n = seen.get(s, 0)
            slugs.add(s if n == 0 else f"{s}-{n}")
            seen[s] = n + 1
        cache[path] = (names, slugs)
    return cache[path]


def prose(path):
    """(line number, text) of each line outside fenced code blocks."""
    fence, out = False, []
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if line.startswith("```"):
            fence = not fence
            continue
        if not fence:
            out.append((number, line))
    return out


def check(path):
    misses = []
    lines = prose(path)
    for number, line in lines:
        for target in LINK.findall(re.sub(r"`[^`]*`", "``", line)):  # not in code spans
            if re.match(r"[a-z]+:", target):
                continue
            file_part, _, anchor = target.partition("#")
            dest = (path.parent / file_part).resolve() if file_part else path
            if not dest.exists():
                misses.append(f"{path.relative_to(ROOT)}:{number}: no file {target}")
            elif anchor and dest.suffix == ".md" and anchor not in headings(dest)[1]:
                misses.append(f"{path.relative_to(ROOT)}:{number}: no heading #{anchor} in {file_part or path.name}")
    # Textual references may wrap: read each line with the next one.
    for (number, line), (_, after) in zip(lines, lines[1:] + [(0, "")]):
        joined = line + " " + after.strip()
        for page, link, name in TEXT_REF.findall(joined):
            if joined.find(page) >= len(line):
                continue  # starts on the next line: checked there
            target = (link or page).partition("#")[0]
            dest = (path.parent / target).resolve()
            if not dest.exists() or dest.suffix != ".md":
                continue  # a file name in prose, not a page beside this one
            short = name.rstrip(".").rstrip(" ,;:").rstrip()
            if not any(h.startswith(short) for h in headings(dest)[0]):
                misses.append(f"{path.relative_to(ROOT)}:{number}: no heading \"{name}\" in {target}")
    return misses


def main(args):
    files = [pathlib.Path(a).resolve() for a in args] or \
        sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md"]
    misses = [m for f in files for m in check(f)]
    print("\n".join(misses) if misses else f"{len(files)} files: every internal link resolves")
    return 1 if misses else 0


sys.exit(main(sys.argv[1:]))
