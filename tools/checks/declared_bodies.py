#!/usr/bin/env python3
"""Which functions a header declares in namespace stepfn without defining them.

Reads clang's JSON AST of one translation unit (clang++ -fsyntax-only -Xclang -ast-dump=json
-Xclang -ast-dump-filter=stepfn) and writes one linker option per such function,
`-Wl,--require-defined=<mangled name>`, so that linking the header's check program fails when
a body is unreachable: not in the header (header-only mode) and not in stepfn::compiled
(compiled mode). Templates are left out: their bodies are always in the headers.

usage: declared_bodies.py AST_JSON OUTPUT_RSP
"""
import json
import sys

FUNCTIONS = {"FunctionDecl", "CXXMethodDecl", "CXXConstructorDecl", "CXXDestructorDecl", "CXXConversionDecl"}
TEMPLATES = {"ClassTemplateDecl", "FunctionTemplateDecl", "ClassTemplatePartialSpecializationDecl",
             "ClassTemplateSpecializationDecl", "TypeAliasTemplateDecl", "VarTemplateDecl"}


def walk(node, declared, defined):
    kind = node.get("kind")
    if kind in TEMPLATES or node.get("isImplicit"):
        return
    if kind in FUNCTIONS:
        name = node.get("mangledName")
        inner = node.get("inner", [])
        has_body = any(child.get("kind") == "CompoundStmt" for child in inner)
        if name:
            if has_body or node.get("explicitlyDefaulted") or node.get("explicitlyDeleted") or node.get("pure"):
                defined.add(name)
            else:
                declared.add(name)
        return  # a body holds only lambdas and local classes, defined where they are written
    for child in node.get("inner", []):
        walk(child, declared, defined)


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    decoder = json.JSONDecoder()
    declared, defined = set(), set()
    at = 0
    while True:
        while at < len(text) and text[at] in " \t\r\n":
            at += 1
        if at >= len(text):
            break
        # -ast-dump-filter prints each matching declaration after a "Dumping NAME:" line.
        if not text.startswith("{", at):
            at = text.find("\n", at) + 1 or len(text)
            continue
        node, at = decoder.raw_decode(text, at)
        if node.get("kind") == "NamespaceDecl" and node.get("name") == "stepfn":
            walk(node, declared, defined)
    missing = sorted(declared - defined)
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        for name in missing:
            out.write(f"-Wl,--require-defined={name}\n")


if __name__ == "__main__":
    main()
