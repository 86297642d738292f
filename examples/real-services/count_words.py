#!/usr/bin/env python3
"""A Task as a command: reads the effective input (JSON) on stdin, prints the result on stdout.

Exit 0 with JSON on stdout succeeds; printing {"error": ..., "cause": ...} and exiting non-zero
fails the Task with that error (Retry and Catch match it).
"""
import json
import sys

task = json.load(sys.stdin)
text = task.get("text")
if not isinstance(text, str):
    print(json.dumps({"error": "Words.BadInput", "cause": "the input has no \"text\" string"}))
    sys.exit(1)
print(json.dumps({"words": len(text.split()), "characters": len(text)}))
