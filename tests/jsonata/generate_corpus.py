#!/usr/bin/env python3
"""Writes the generated part of stepfn's JSONata differential corpus: corpus/generated.jsonl.

Combinations, not samples: every operator against every operand kind, every built-in function
against argument lists of each type it takes (and some it does not), path shapes over each
document, and the picture strings of the formatting and date functions against a fixed set of
values. The output is deterministic (no randomness), so rerunning it gives the same file; the
hand-written cases live beside it in corpus/*.jsonl.

Usage: python3 tests/jsonata/generate_corpus.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

cases = []
counters = {}


def add(group, expr, doc=None, bindings=None):
    counters[group] = counters.get(group, 0) + 1
    case = {"id": "gen-%s-%04d" % (group, counters[group]), "expr": expr, "doc": doc}
    if bindings:
        case["bindings"] = bindings
    cases.append(case)


# ---- operators x operand kinds -------------------------------------------------------------
# Operands: literal source text. `nothing` is a path that matches nothing (undefined).
OPERANDS = ["0", "1", "-1", "2.5", "0.1", "1e21", "9007199254740993", '"a"', '""', '"10"', "true", "false",
            "null", "[1, 2]", "[]", '{"k": 1}', "nothing", "[3]"]
ARITH = ["+", "-", "*", "/", "%"]
COMPARE = ["=", "!=", "<", "<=", ">", ">="]
OTHER = ["&", "and", "or", "in"]
for op in ARITH + COMPARE + OTHER:
    for a in OPERANDS:
        for b in OPERANDS:
            add("op", "%s %s %s" % (a, op, b))

# Arithmetic precision and the number forms that JavaScript prints differently.
NUMS = ["0.1", "0.2", "0.3", "1", "3", "7", "-0", "1e21", "1e-7", "123456789", "9007199254740991", "1.5", "-2.5",
        "1e308", "2e-308", "100"]
for a in NUMS:
    for b in NUMS:
        for op in ["+", "*", "/"]:
            add("num", "%s %s %s" % (a, op, b))
for a in NUMS:
    add("num", "-%s" % a)
    add("num", "$string(%s)" % a)
    add("num", "%s & ''" % a)
    add("num", "[%s]" % a)
    add("num", "$number($string(%s))" % a)

# Range operator and sequences of numbers.
for lo in ["0", "1", "-2", "1.5", '"1"', "nothing", "5"]:
    for hi in ["3", "0", "1", "4.5", "nothing", "-1"]:
        add("range", "[%s..%s]" % (lo, hi))
for n in ["1", "2", "3", "10"]:
    add("range", "$sum([1..%s])" % n)
    add("range", "[1..%s].($ * $)" % n)
    add("range", "[1..%s][$ %% 2 = 0]" % n)

# ---- built-in functions x argument lists ---------------------------------------------------
STR = ['"Hello World"', '""', '"  spaced  out  "', '"\u00e9t\u00e9"', '"\U0001F600x\U0001F680"', '"a,b,,c"', '"123"',
       '"Ma\u00dfe"']
NUM = ["0", "1", "-1", "3.7", "-3.7", "2.5", "3.5", "-2.5", "1e21", "0.125", "123456.789", "1e-7"]
ARR_NUM = ["[]", "[1, 2, 3]", "[3.5, -1, 10]", "[0.1, 0.2, 0.3]", "[5]"]
ARR_STR = ['["b", "a", "c"]', '[]', '["x"]', '["\u00e9", "e", "z", "E"]']
BAD = ["true", "null", '{"a": 1}', '"s"', "[1, \"a\"]", "nothing"]

calls = {
    "string": [[x] for x in STR + NUM + ARR_NUM + ["true", "null", '{"a": [1, {"b": null}]}', "nothing", "1/3"]]
              + [['{"a": [1, 2]}', "true"], ['[1, {"b": "c"}]', "true"], ['"x"', "true"]],
    "substring": [[s, n] for s in STR[:6] for n in ["0", "1", "-2", "3.6", "100"]] + [[s, "1", l] for s in STR[:5] for l in ["0", "2", "-1", "1.5"]],
    "substringBefore": [[s, c] for s in STR for c in ['" "', '","', '"zz"', '""']],
    "substringAfter": [[s, c] for s in STR for c in ['" "', '","', '"zz"', '""']],
    "lowercase": [[s] for s in STR + ['"\u0130stanbul"', '"\u0391\u0392\u0393"']],
    "uppercase": [[s] for s in STR + ['"stra\u00dfe"', '"\u03b1\u03b2\u03b3"']],
    "length": [[s] for s in STR + ['"e\u0301"', '"\U0001F468\u200D\U0001F469"']],
    "trim": [[s] for s in STR + ['"\\t a \\n b \\r "', '"   "']],
    "pad": [[s, w] for s in STR[:5] for w in ["8", "-8", "0", "3"]] + [['"x"', "5", c] for c in ['"#"', '"ab"', '"\U0001F600"', '""']],
    "contains": [[s, p] for s in STR[:6] for p in ['"o"', '""', '/l+/', '/^\\s/', '"\U0001F600"']],
    "split": [[s, p] for s in STR[:6] for p in ['","', '""', '" "', '/,+/']] + [['"a,b,c,d"', '","', n] for n in ["0", "2", "2.7", "10"]],
    "join": [[a] for a in ARR_STR] + [[a, '"-"'] for a in ARR_STR] + [['["a", 1]'], ['"solo"', '","']],
    "match": [[s, r] for s in STR[:6] for r in ['/o/', '/(\\w)(\\w)/', '/[aeiou]/i', '/^$/']] + [['"a1b22c333"', '/\\d+/', n] for n in ["0", "1", "2"]],
    "replace": [[s, p, r] for s in STR[:6] for p, r in [('"o"', '"0"'), ('/(l+)/', '"[$1]"'), ('/o/', '"$0$0"'), ('" "', '""')]]
               + [['"aaa"', '"a"', '"b"', n] for n in ["0", "1", "2"]] + [['"abc"', '/(?<x>b)/', '"$2$1$$"']],
    "base64encode": [[s] for s in STR[:5] + ['"any carnal pleas"']],
    "base64decode": [[s] for s in ['"SGVsbG8gV29ybGQ="', '""', '"w6l0w6k="', '"YQ"', '"YWJj"']],
    "encodeUrlComponent": [[s] for s in STR[:6] + ['"a b&c=d/e?f#g"', '"-_.!~*\'()"']],
    "encodeUrl": [[s] for s in STR[:6] + ['"https://x.org/a b?q=\u00e9&r=1#f"']],
    "decodeUrlComponent": [[s] for s in ['"a%20b%26c"', '"%C3%A9"', '""', '"plain"', '"%F0%9F%98%80"', '"%E0%A4%A"']],
    "decodeUrl": [[s] for s in ['"https://x.org/a%20b?q=%C3%A9"', '""', '"%2F%3F"', '"%"', '"%41%42"']],
    "number": [[x] for x in ['"10"', '"-3.5"', '"1e3"', '"0x1F"', '"0b101"', '"0o17"', '" 7 "', '""', '"abc"', "true", "false",
                             "12", "null", '"Infinity"', '"1e400"', '"-0"', '".5"', '"5."']],
    "floor": [[n] for n in NUM + ['"1"']],
    "ceil": [[n] for n in NUM + ['"1"']],
    "round": [[n] for n in NUM] + [[n, p] for n in ["2.675", "1.005", "-1.5", "1234.5678", "0.5", "1.5", "2.5", "7.45"] for p in ["1", "2", "-1", "-2", "0"]],
    "abs": [[n] for n in NUM + ["-0"]],
    "sqrt": [[n] for n in ["4", "2", "0", "-1", "1e21", "0.25"]],
    "power": [[a, b] for a in ["2", "-2", "0", "10", "0.5"] for b in ["0", "3", "-1", "0.5", "1000"]],
    "boolean": [[x] for x in NUM[:4] + STR[:3] + ARR_NUM + ["true", "false", "null", "{}", '{"a": 1}', "[0]", "[[]]", '[""]', "[false, true]", "nothing"]],
    "not": [[x] for x in ["true", "false", "0", "1", '""', '"x"', "[]", "[0, 1]", "{}", "null", "nothing"]],
    "sum": [[a] for a in ARR_NUM + ["5", '["1"]', "nothing", "[[1, 2], 3]"]],
    "max": [[a] for a in ARR_NUM + ["5", '["1"]', "nothing", "[-5, -1]"]],
    "min": [[a] for a in ARR_NUM + ["5", '["1"]', "nothing", "[-5, -1]"]],
    "average": [[a] for a in ARR_NUM + ["5", '["1"]', "nothing"]],
    "count": [[a] for a in ARR_NUM + ARR_STR + ["5", "nothing", "null", "[[1, 2], [3]]", "{}"]],
    "append": [[a, b] for a in ["[1, 2]", "3", "[]", "nothing", '"s"'] for b in ["[3]", "4", "[]", "nothing", '{"a": 1}']],
    "reverse": [[a] for a in ARR_NUM + ARR_STR + ["1", "nothing"]],
    "sort": [[a] for a in ARR_NUM + ARR_STR + ['[1, "a"]', '[{"a": 1}]', '["B", "a", "C", "b"]']] + [[a, "function($l, $r){ $l < $r }"] for a in ARR_NUM],
    "shuffle": [[a] for a in ["[]", "[7]", "nothing"]],
    "distinct": [[a] for a in ARR_NUM + ARR_STR + ['[1, 1, "1", [1], [1], {"a": 1}, {"a": 1}]', "[null, null, false, 0]", '"x"', "nothing"]],
    "zip": [["[1, 2, 3]", '["a", "b"]'], ["[1]", "[2]", "[3]"], ["[]", "[1]"], ["1", "2"], ["[1, 2]"], ["[1, 2]", "nothing"]],
    "keys": [[x] for x in ['{"a": 1, "b": 2}', "{}", '[{"a": 1}, {"b": 2, "a": 3}]', "1", "[]", "nothing", '"s"']],
    "lookup": [[x, k] for x in ['{"a": 1, "b": [2, 3]}', '[{"a": 1}, {"a": 2}, {"b": 3}]', "{}", "5", "nothing"] for k in ['"a"', '"b"', '"z"']],
    "spread": [[x] for x in ['{"a": 1, "b": 2}', "{}", '[{"a": 1}, {"b": 2, "c": 3}]', "[1, 2]", '"s"', "nothing"]],
    "merge": [[x] for x in ['[{"a": 1}, {"b": 2}, {"a": 3}]', "[]", '{"a": 1}', "nothing", "[{}, {}]", '[{"a": 1}, 5]']],
    "exists": [[x] for x in ["0", "null", "false", '""', "[]", "{}", "nothing", "nothing.deeper", "[nothing]"]],
    "type": [[x] for x in ["0", "null", "false", '""', "[]", "{}", "nothing", "$sum", "function($x){$x}", '"s"', "[1]", "1.5"]],
    "sift": [[o, f] for o in ['{"a": 1, "b": 2, "c": 3}', "{}", '[{"a": 1}, {"b": 2}]'] for f in ["function($v){$v > 1}", "function($v, $k){$k != \"b\"}", "function($v, $k, $o){$count($keys($o)) > 2}"]],
    "each": [[o, f] for o in ['{"a": 1, "b": 2}', "{}", '[{"a": 1}, {"b": 2}]'] for f in ["function($v){$v * 10}", "function($v, $k){$k & \"=\" & $v}", "function($v, $k, $o){$o}"]],
    "map": [[a, f] for a in ARR_NUM + ["4", "nothing", '["a", "b"]'] for f in ["function($v){$v * 2}", "function($v, $i){$i}", "function($v, $i, $a){$count($a)}", "$string"]],
    "filter": [[a, f] for a in ARR_NUM + ["4", "nothing", '["a", "bb"]'] for f in ["function($v){$v > 1}", "function($v, $i){$i > 0}", "function($v, $i, $a){$v = $a[-1]}"]],
    "single": [[a] for a in ["[1]", "1", "[]", "[1, 2]", "nothing"]] + [[a, f] for a in ["[1, 2, 3]", "[1, 3, 5]", "[2, 4]"] for f in ["function($v){$v = 2}", "function($v, $i){$i = 1}"]],
    "reduce": [[a, f] for a in ARR_NUM + ["4", "nothing", '["a", "b", "c"]'] for f in ["function($x, $y){$x + $y}", "function($x, $y, $i){$x & $i}", "function($x){$x}"]]
              + [[a, "function($x, $y){$x + $y}", init] for a in ARR_NUM for init in ["100", '"s"']],
    "formatBase": [[n] for n in ["255", "-255", "0", "3.5", "2.5"]] + [[n, r] for n in ["255", "-255", "1e21", "0.5", "35", "1234567"] for r in ["2", "8", "16", "36", "1", "37", "16.4", "2.5"]],
    "error": [[], ['"custom message"'], ['""'], ["5"], ["nothing"]],
    "assert": [["true"], ["false"], ["true", '"ok"'], ["false", '"assertion broke"'], ["1 = 1", '"x"'], ["nothing"], ["1"]],
    "clone": [[x] for x in ['{"a": [1, {"b": 2}]}', "[1, 2]", "nothing", "1", "{}"]],
    "eval": [['"1 + 2"'], ['"$"', "[1, 2]"], ['"a.b"', '{"a": {"b": 3}}'], ['"(("'], ['"$sum([1,2])"']],
}
for name, arglists in calls.items():
    for args in arglists:
        add("fn", "$%s(%s)" % (name, ", ".join(args)))
# Every function also called with a wrong number or wrong types of arguments.
for name in calls:
    if name in ("error", "eval", "shuffle", "zip", "append"):
        continue
    add("fnerr", "$%s()" % name)
    for bad in ['{"a": 1}', "true", "[[1], 2]"]:
        add("fnerr", "$%s(%s)" % (name, bad))
    add("fnerr", "$%s(1, 2, 3, 4, 5)" % name)
# Functions applied to the context (the hyphen in their signatures) through paths.
for name, path, doc in [("string", "Account.Number", "invoice"), ("uppercase", "Account.Name", "invoice"),
                        ("length", "ascii", "unicode"), ("trim", "whitespace", "unicode"),
                        ("number", "strnums[0]", "numbers"), ("floor", "floats", "numbers"),
                        ("abs", "negatives", "numbers"), ("boolean", "mixed", "nulls_booleans"),
                        ("keys", "keys", "unicode"), ("lowercase", "words", "unicode"),
                        ("base64encode", "ascii", "unicode"), ("encodeUrlComponent", "url", "unicode"),
                        ("formatNumber", "floats", "numbers"), ("round", "floats", "numbers")]:
    extra = ', "#0.00"' if name == "formatNumber" else ""
    add("ctx", "%s.$%s(%s)" % (path, name, extra.lstrip(", ")), doc)
    add("ctx", "$%s(%s%s)" % (name, path, extra), doc)

# ---- formatting and date/time pictures -----------------------------------------------------
FN_VALUES = ["0", "1", "-1", "12345.678", "-12345.678", "0.5", "1234567.891", "0.000123", "100", "1e21", "99.995",
             "3.14159", "-0.5", "1e-7", "999999.9999"]
FN_PICTURES = ["#", "0", "#,##0", "#,##0.00", "0.000", "#.#", "#0.###", "00000", "#,###,###.##", "0.00e0", "#.##e00",
               "00.0e0", "0%", "#,##0.0%", "0.0\u2030", "#;(#)", "#,##0.00;-#,##0.00", "$#,##0.00", "#,##0.00 EUR",
               "0,0", "#,##,##0", "###0.0#", "0.0,00", "9,999.99", "\u0660\u0660\u0660", "#.##0", "##.##.##",
               "0.0.0", "%#%", "#;#;#", "", "abc", "#,", ",#", "#,,#", "0#", "#.#0", "#e", "#%e0", "e0"]
for v in FN_VALUES:
    for p in FN_PICTURES:
        # The reference loops forever scaling a zero or negative mantissa into an exponent picture.
        if "e" in p and p not in ("#e",) and (v == "0" or v.startswith("-")):
            continue
        add("fmtnum", "$formatNumber(%s, %s)" % (v, json.dumps(p, ensure_ascii=False)))
FN_OPTIONS = [('{"decimal-separator": ",", "grouping-separator": "."}', "#,##0.00"),
              ('{"zero-digit": "\u0660"}', "#,##\u0660.\u0660\u0660"),
              ('{"percent": "pc", "minus-sign": "\u2212"}', "#0.0pc"),
              ('{"digit": "x", "pattern-separator": "|"}', "x,xx0.00|(x,xx0.00)"),
              ('{"exponent-separator": "E"}', "0.00E0"),
              ('{"per-mille": "m"}', "0m"),
              ('{"infinity": "inf", "NaN": "nan"}', "#,##0.00")]
for v in ["1234.5", "-0.25", "1000000"]:
    for opts, pic in FN_OPTIONS:
        if "E0" in pic and v.startswith("-"):
            continue
        add("fmtnum", "$formatNumber(%s, %s, %s)" % (v, json.dumps(pic, ensure_ascii=False), opts))

FI_VALUES = ["0", "1", "4", "11", "12", "13", "21", "99", "101", "111", "1234", "3999", "-7", "1000000", "1e15", "2.9", "-2.9", "1234567890123"]
FI_PICTURES = ["0", "000", "#,##0", "0;o", "w", "W", "Ww", "w;o", "Ww;o", "i", "I", "a", "A", "#0", "0,000", "#-##0",
               "\u0661", "\u0660\u0660\u0660", "1;o", "00;o", "#;o", "%", "9", "0 000", "##,#0"]
for v in FI_VALUES:
    for p in FI_PICTURES:
        add("fmtint", "$formatInteger(%s, %s)" % (v, json.dumps(p, ensure_ascii=False)))
PI_CASES = [("12", "0"), ("001", "000"), ("1,234", "#,##0"), ("12th", "0;o"), ("twelve", "w"), ("One Hundred and Five", "Ww"),
            ("one thousand, two hundred and thirty-four", "w"), ("MCMXCIX", "I"), ("xiv", "i"), ("AB", "A"), ("zz", "a"),
            ("twenty-first", "w;o"), ("\u0661\u0662", "\u0660"), ("1-234", "#-##0"), ("", "0"), ("abc", "0"), ("3.5", "0"),
            ("a million", "w"), ("one million", "w"), ("Zeroth", "Ww;o"), ("IIII", "I"), ("1,2,3", "0,0"), ("12", "i"),
            ("-5", "0"), ("1 234", "0 000"), ("x", "%")]
for text, pic in PI_CASES:
    add("parseint", "$parseInteger(%s, %s)" % (json.dumps(text, ensure_ascii=False), json.dumps(pic, ensure_ascii=False)))

MILLIS = ["0", "1521801216617", "-1000", "951782400000", "1709208000000", "1104537600000", "1230681600000",
          "253402300799999", "-62135596800000", "1.5", "1735603200000", "1609459200000"]
DT_PICTURES = [None, "[Y0001]-[M01]-[D01]", "[Y]-[M]-[D]", "[Y,2]", "[Y01]", "[Y,4-4]", "[D1o] [MNn] [Y]", "[FNn], [D] [MNn,3-3] [Y]",
               "[H01]:[m01]:[s01].[f001]", "[h]:[m01] [P]", "[h]:[m01] [PN]", "[d]", "[d001]", "[F]", "[F1]", "[FN]", "[Fn,2-2]",
               "[W]", "[W01]", "[w]", "[X]", "[x]", "[xNn]", "[Z]", "[z]", "[Z0]", "[Z01:01t]", "[Z0101]", "[ZN]", "[C] [E]",
               "[YI]", "[Mi]", "[Dw]", "[DW]", "[DWw]", "[Ya]", "[MA]", "[D#1]", "[f01]", "[f1]", "[ Y0001 ] - [M 01]",
               "[[Y]]", "Day [D]]] of [M]", "[Q]", "[Y", "[M,5-6]", "[MNn,*-3]", "[Y9,999]", "[H#]", "[m1]", "[s1]", "[Y0001]-[d001]",
               "[Y\u0660\u0660\u0660\u0660]", "[D;o]", "[Do]", "[Mo]", "[Hn]", "[Z010101]", "[Z1]"]
for m in MILLIS:
    for p in DT_PICTURES:
        if p is None:
            add("frommillis", "$fromMillis(%s)" % m)
        else:
            add("frommillis", "$fromMillis(%s, %s)" % (m, json.dumps(p, ensure_ascii=False)))
for m in ["1521801216617", "0", "-1000"]:
    for tz in ["+0000", "-0500", "+0530", "+1400", "-1200", "0100", "+0100", "-0030"]:
        for p in ["null", '"[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01][Z]"', '"[H01]:[m01] [z]"', '"[Z01:01t]"', '"[Z0]"', '"[Z0101]"', '"[Z]"']:
            add("frommillis", "$fromMillis(%s, %s, %s)" % (m, p if p != "null" else "()", json.dumps(tz)))
TOMILLIS = ["2018-01-01", "2018-01-01T00:00:00.000Z", "2018-03-23T10:33:36.617+01:00", "2018-03-23T10:33:36+0100",
            "2018-03-23T10:33:36", "2018", "2018-03", "1969-12-31T23:59:59Z", "2018-02-30", "2018-13-01", "2018-1-1",
            "2024-02-29T12:00:00.5Z", "2024-02-29T12:00:00.123456Z", "not a date", "", "20180101", "2018-01-01T25:00:00Z",
            "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z", "2018-01-01T10:00", "2018-01-01T24:00:00Z",
            "2018-06-15T12:00:00-0830", "2018-01-01-05"]
for t in TOMILLIS:
    add("tomillis", "$toMillis(%s)" % json.dumps(t))
TOMILLIS_PIC = [("2018-03-23", "[Y0001]-[M01]-[D01]"), ("23/03/2018 10:33", "[D01]/[M01]/[Y0001] [H01]:[m01]"),
                ("Friday, 23 March 2018", "[FNn], [D] [MNn] [Y]"), ("23rd March 2018", "[D1o] [MNn] [Y]"),
                ("2018-082", "[Y0001]-[d001]"), ("10:33 pm 2018-03-23", "[h]:[m01] [P] [Y0001]-[M01]-[D01]"),
                ("12:05 am 2018-03-23", "[h]:[m01] [P] [Y0001]-[M01]-[D01]"), ("2018-03-23T10:33:36+0530", "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01][Z]"),
                ("2018-03-23T10:33:36+05:30", "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01][Z01:01]"), ("2018-03-23 GMT-02:00", "[Y0001]-[M01]-[D01] [z]"),
                ("MMXVIII-III-XXIII", "[YI]-[MI]-[DI]"), ("twenty-third of March, two thousand and eighteen", "[Dw;o] of [MNn], [Yw]"),
                ("2018-03-23 10", "[Y0001]-[M01]-[D01] [H01]"), ("2018-03 10:33", "[Y0001]-[M01] [H01]:[m01]"),
                ("2018 10:33", "[Y0001] [m01]:[s01]"), ("nonsense", "[Y0001]-[M01]-[D01]"), ("2018-03-23", "[Y0001]-[M01]-[D01]T"),
                ("MAR 2018", "[MN,3-3] [Y]"), ("2018-03-23 10:33:36.617", "[Y0001]-[M01]-[D01] [H01]:[m01]:[s01].[f001]"),
                ("2018-W12-5", "[X0001]-W[W01]-[F1]"), ("2018", "[Y]"), ("1999-12-31", "[Y0001]-[M01]-[D01]"),
                ("31.12.99", "[D01].[M01].[Y01]"), ("2018-03-23", "[Y0001]-[M01]-[D01"), ("23 mar 2018", "[D] [Mn,3-3] [Y]")]
for t, p in TOMILLIS_PIC:
    add("tomillis", "$toMillis(%s, %s)" % (json.dumps(t), json.dumps(p)))
add("tomillis", '$fromMillis($toMillis("2018-03-23T10:33:36.617Z"))')
add("tomillis", '$toMillis($fromMillis(1521801216617, "[Y0001]-[M01]-[D01]"), "[Y0001]-[M01]-[D01]")')

# ---- paths over the documents ----------------------------------------------------------------


def field_paths(value, prefix, depth, out):
    """Every dotted path to a field, up to `depth` steps, in document order."""
    if depth == 0:
        return
    if isinstance(value, list):
        for item in value:
            field_paths(item, prefix, depth, out)
        return
    if isinstance(value, dict):
        for key, child in value.items():
            if not key.isidentifier():
                continue
            p = prefix + "." + key if prefix else key
            if p not in out:
                out.append(p)
            field_paths(child, p, depth - 1, out)


docs = {}
for f in sorted(os.listdir(os.path.join(HERE, "documents"))):
    if f.endswith(".json"):
        with open(os.path.join(HERE, "documents", f), encoding="utf-8") as fh:
            docs[f[:-5]] = json.load(fh)
PATH_FORMS = ["{p}", "{p}[0]", "{p}[-1]", "{p}[]", "$count({p})", "{p}.*", "$type({p})", "{p}[[0, 1]]",
              "$exists({p})", "{p}[$ != null]", "$string({p})"]
for name in ["invoice", "library", "states", "nulls_booleans", "events", "empty"]:
    paths = []
    field_paths(docs[name], "", 4, paths)
    for p in paths[:24]:
        for form in PATH_FORMS:
            add("path", form.format(p=p), name)
for name in docs:
    for expr in ["$", "$.*", "*", "**", "$count(**)", "$type($)", "$[0]", "$[-1]", "$[]", "$keys($)", "$string($)", "$$", "$count($)",
                 "$sift($, function($v){$type($v) = \"number\"})", "$[$type($) = \"object\"]", "%", "$.%"]:
        add("root", expr, name)
    add("root", "(**)[$type($) = \"number\"]", name)
    add("root", "$distinct(**.$type($))", name)

out = os.path.join(HERE, "corpus", "generated.jsonl")
with open(out, "w", encoding="utf-8") as fh:
    for c in cases:
        fh.write(json.dumps(c, ensure_ascii=False) + "\n")
print("%d cases written to %s" % (len(cases), os.path.relpath(out)))
