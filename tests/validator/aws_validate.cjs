// AWS's own ASL validator (the npm package amazon-states-language-service, pinned in
// package.json) as an oracle. Reads JSON lines {"id", "text"} on standard input and writes one
// line {"id", "valid", "errors"} per definition; `valid` ignores warnings, as the console does.
'use strict';
const readline = require('readline');
const asl = require('amazon-states-language-service');

const service = asl.getLanguageService({});

async function validate(text) {
    const document = asl.TextDocument.create('definition.asl.json', 'json', 0, text);
    const diagnostics = await service.doValidation(document, service.parseJSONDocument(document));
    return diagnostics.filter((d) => d.severity === 1).map((d) => d.message);
}

async function main() {
    const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of lines) {
        if (!line.trim()) continue;
        const { id, text } = JSON.parse(line);
        const errors = await validate(text);
        process.stdout.write(JSON.stringify({ id, valid: errors.length === 0, errors }) + '\n');
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
