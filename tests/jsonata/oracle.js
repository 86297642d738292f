#!/usr/bin/env node
// The reference side of stepfn's JSONata differential test: evaluates every corpus case with the
// npm package pinned in package.json (jsonata 2.0.6, the version AWS Step Functions runs) and
// writes one line per case to the file named on the command line:
//   {"id": ..., "result": <value>}            the expression's value
//   {"id": ..., "undefined": true}             no value (JSONata's undefined / empty sequence)
//   {"id": ..., "nonfinite": "NaN"}            a number JSON cannot hold: NaN, Infinity, -Infinity
// A result holding half a surrogate pair has it replaced by U+FFFD and "lone_surrogates": true.
//   {"id": ..., "error": {"code", "message"}}  an error; code is null when the reference failed
//                                              with a plain JavaScript error (no JSONata code)
// Usage: node oracle.js OUTPUT.jsonl [--coverage] [--corpus DIR] [--documents DIR]
// --coverage prints how many cases use each built-in function and fails when one has fewer
// than five.
'use strict';

// Date.parse reads a date-time without an offset as local time; AWS runs in UTC.
process.env.TZ = 'UTC';

const fs = require('fs');
const path = require('path');
const jsonata = require('jsonata');

const here = __dirname;

function parse_args(argv) {
    const args = { output: null, coverage: false, corpus: path.join(here, 'corpus'), documents: path.join(here, 'documents') };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === '--coverage') args.coverage = true;
        else if (a === '--corpus') args.corpus = argv[++i];
        else if (a === '--documents') args.documents = argv[++i];
        else if (args.output === null) args.output = a;
        else throw new Error('unexpected argument: ' + a);
    }
    if (args.output === null) throw new Error('usage: node oracle.js OUTPUT.jsonl [--coverage] [--corpus DIR] [--documents DIR]');
    return args;
}

// Every case of every corpus file, in the order the C++ runner reads them (files by name).
function load_corpus(dir) {
    const cases = [];
    const ids = new Set();
    for (const file of fs.readdirSync(dir).filter(f => f.endsWith('.jsonl')).sort()) {
        const lines = fs.readFileSync(path.join(dir, file), 'utf8').split('\n');
        lines.forEach((line, index) => {
            if (line.trim() === '') return;
            let c;
            try {
                c = JSON.parse(line);
            } catch (e) {
                throw new Error(`${file}:${index + 1}: not JSON: ${e.message}`);
            }
            if (typeof c.id !== 'string' || typeof c.expr !== 'string') throw new Error(`${file}:${index + 1}: needs "id" and "expr" strings`);
            if (ids.has(c.id)) throw new Error(`${file}:${index + 1}: duplicate id ${c.id}`);
            ids.add(c.id);
            cases.push(c);
        });
    }
    return cases;
}

function load_documents(dir) {
    const docs = {};
    for (const file of fs.readdirSync(dir).filter(f => f.endsWith('.json'))) {
        docs[file.slice(0, -5)] = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    }
    return docs;
}

// Why a value cannot stand as an expected JSON result, or null when it can. A function, NaN or
// an infinity has no JSON form; the corpus must not produce one.
function not_json(value) {
    if (typeof value === 'function') return 'a function';
    if (typeof value === 'number' && !Number.isFinite(value)) return 'a non-finite number';
    if (value !== null && typeof value === 'object') {
        if (value._jsonata_lambda || value._jsonata_function) return 'a function';
        for (const v of Array.isArray(value) ? value : Object.values(value)) {
            const why = not_json(v);
            if (why) return why;
        }
    }
    return null;
}

// JavaScript strings are UTF-16 and the reference can split a surrogate pair ($substring,
// $split with ""). JSON text in UTF-8 cannot carry half a pair: each lone surrogate becomes
// U+FFFD, which is what stepfn prints for one, and the line says so.
const lone_surrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
function replace_lone_surrogates(value, found) {
    if (typeof value === 'string') {
        const replaced = value.replace(lone_surrogate, '\ufffd');
        if (replaced !== value) found.any = true;
        return replaced;
    }
    if (Array.isArray(value)) return value.map(v => replace_lone_surrogates(v, found));
    if (value !== null && typeof value === 'object') {
        const out = {};
        for (const [k, v] of Object.entries(value)) out[replace_lone_surrogates(k, found)] = replace_lone_surrogates(v, found);
        return out;
    }
    return value;
}

const builtins = ['sum', 'count', 'max', 'min', 'average', 'string', 'substring', 'substringBefore',
    'substringAfter', 'lowercase', 'uppercase', 'length', 'trim', 'pad', 'match', 'contains', 'replace',
    'split', 'join', 'formatNumber', 'formatBase', 'formatInteger', 'parseInteger', 'number', 'floor',
    'ceil', 'round', 'abs', 'sqrt', 'power', 'random', 'boolean', 'not', 'map', 'zip', 'filter', 'single',
    'reduce', 'sift', 'keys', 'lookup', 'append', 'exists', 'spread', 'merge', 'reverse', 'each', 'error',
    'assert', 'type', 'sort', 'shuffle', 'distinct', 'base64encode', 'base64decode', 'encodeUrlComponent',
    'encodeUrl', 'decodeUrlComponent', 'decodeUrl', 'eval', 'toMillis', 'fromMillis', 'clone', 'now', 'millis'];

function print_coverage(cases) {
    const counts = {};
    for (const name of builtins) counts[name] = 0;
    for (const c of cases) {
        for (const name of builtins) {
            if (new RegExp('\\$' + name + '(?![A-Za-z0-9_])').test(c.expr)) counts[name]++;
        }
    }
    const rows = builtins.slice().sort((a, b) => counts[a] - counts[b] || a.localeCompare(b));
    console.log('built-in function coverage (cases using each):');
    for (let i = 0; i < rows.length; i += 4) {
        console.log(rows.slice(i, i + 4).map(n => ('$' + n).padEnd(22) + String(counts[n]).padStart(5)).join('   '));
    }
    const thin = rows.filter(n => counts[n] < 5);
    if (thin.length) console.log('fewer than 5 cases: ' + thin.map(n => '$' + n).join(', '));
    return thin.length === 0;
}

async function main() {
    const args = parse_args(process.argv.slice(2));
    const cases = load_corpus(args.corpus);
    const docs = load_documents(args.documents);
    const out = [];
    const tally = { result: 0, undefined: 0, error: 0 };
    const problems = [];
    for (const c of cases) {
        const doc = c.doc === null || c.doc === undefined ? undefined : docs[c.doc];
        if (c.doc && !(c.doc in docs)) problems.push(`${c.id}: no document named ${c.doc}`);
        let line;
        try {
            const expr = jsonata(c.expr);
            // A fresh copy of the document for every case: a transform must not leak into the next.
            const input = doc === undefined ? undefined : JSON.parse(JSON.stringify(doc));
            const value = await expr.evaluate(input, c.bindings || undefined);
            if (value === undefined) {
                line = { id: c.id, undefined: true };
                tally.undefined++;
            } else if (typeof value === 'number' && !Number.isFinite(value)) {
                // No JSON form, but a value all the same (1e308 * 10, $parseInteger("x", "0")).
                line = { id: c.id, nonfinite: String(value) };
                tally.result++;
            } else {
                const why = not_json(value);
                if (why) problems.push(`${c.id}: the result is ${why}: ${c.expr}`);
                const found = { any: false };
                const clean = replace_lone_surrogates(value, found);
                line = found.any ? { id: c.id, result: clean, lone_surrogates: true } : { id: c.id, result: value };
                tally.result++;
            }
        } catch (err) {
            const code = err && typeof err.code === 'string' ? err.code : null;
            const message = err && err.message !== undefined ? String(err.message) : String(err);
            line = { id: c.id, error: { code, message } };
            tally.error++;
        }
        out.push(JSON.stringify(line));
    }
    fs.writeFileSync(args.output, out.join('\n') + '\n');
    console.log(`${cases.length} cases: ${tally.result} values, ${tally.undefined} undefined, ${tally.error} errors`);
    let ok = true;
    if (args.coverage) ok = print_coverage(cases) && ok;
    for (const p of problems) console.error('corpus problem: ' + p);
    if (problems.length) ok = false;
    process.exitCode = ok ? 0 : 1;
}

main().catch(err => {
    console.error(err && err.stack ? err.stack : String(err));
    process.exitCode = 2;
});
