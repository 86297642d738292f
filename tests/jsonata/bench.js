#!/usr/bin/env node
// Expressions per second of the reference JSONata (npm jsonata 2.0.6, pinned in package.json)
// on the differential corpus: each expression compiled once, then evaluated over and over,
// per class of expression (the case id without its number: gen-op, h-path, ...). Only the
// cases that give a value are timed (errors measure the exception path, not evaluation).
// Usage: node bench.js [--min-time SECONDS] [--json] [--corpus DIR] [--documents DIR]
'use strict';
process.env.TZ = 'UTC';
const fs = require('fs');
const path = require('path');
const jsonata = require('jsonata');

const args = { minTime: 0.5, json: false, corpus: path.join(__dirname, 'corpus'), documents: path.join(__dirname, 'documents') };
for (let i = 2; i < process.argv.length; i++) {
    const a = process.argv[i];
    if (a === '--min-time') args.minTime = Number(process.argv[++i]);
    else if (a === '--json') args.json = true;
    else if (a === '--corpus') args.corpus = process.argv[++i];
    else if (a === '--documents') args.documents = process.argv[++i];
}

const docs = {};
for (const f of fs.readdirSync(args.documents).filter(f => f.endsWith('.json'))) {
    docs[f.slice(0, -5)] = JSON.parse(fs.readFileSync(path.join(args.documents, f), 'utf8'));
}

async function main() {
    const classes = new Map();
    for (const file of fs.readdirSync(args.corpus).filter(f => f.endsWith('.jsonl')).sort()) {
        for (const line of fs.readFileSync(path.join(args.corpus, file), 'utf8').split('\n')) {
            if (!line.trim()) continue;
            const c = JSON.parse(line);
            // Non-deterministic or AWS-excluded functions are not part of the figure.
            if (/\$(now|millis|random|shuffle|eval)\b/.test(c.expr)) continue;
            let expr;
            try {
                expr = jsonata(c.expr);
                const input = c.doc ? docs[c.doc] : undefined;
                const value = await expr.evaluate(input, c.bindings);
                if (value === undefined) continue;
                const group = c.id.slice(0, c.id.lastIndexOf('-'));
                if (!classes.has(group)) classes.set(group, []);
                classes.get(group).push({ expr, input, bindings: c.bindings });
            } catch (e) {
                continue;
            }
        }
    }
    const results = {};
    let totalEvals = 0, totalSeconds = 0;
    for (const [group, cases] of [...classes.entries()].sort()) {
        let evals = 0;
        // CPU time of the process (GC threads included), as stepfn's side counts it: the machine
        // may be shared, and wall-clock time would count the other programs' turns.
        const start = process.cpuUsage();
        let elapsed = 0;
        // Passes between readings of the clock double up to a fiftieth of the time asked for.
        for (let passes = 1; elapsed < args.minTime; ) {
            for (let p = 0; p < passes; p++)
                for (const c of cases) await c.expr.evaluate(c.input, c.bindings);
            evals += cases.length * passes;
            const used = process.cpuUsage(start);
            const now = (used.user + used.system) / 1e6;
            if (now - elapsed < args.minTime / 50) passes *= 2;
            elapsed = now;
        }
        results[group] = { cases: cases.length, evaluations: evals, seconds: elapsed, per_second: evals / elapsed };
        totalEvals += evals;
        totalSeconds += elapsed;
    }
    results.all = { cases: [...classes.values()].reduce((n, c) => n + c.length, 0), evaluations: totalEvals, seconds: totalSeconds,
                    per_second: totalEvals / totalSeconds };
    if (args.json) {
        console.log(JSON.stringify(results));
    } else {
        console.log('class'.padEnd(18) + 'cases'.padStart(7) + 'evaluations/s'.padStart(16));
        for (const [group, r] of Object.entries(results)) {
            console.log(group.padEnd(18) + String(r.cases).padStart(7) + Math.round(r.per_second).toLocaleString('en').padStart(16));
        }
    }
}
main().catch(e => { console.error(e); process.exitCode = 1; });
