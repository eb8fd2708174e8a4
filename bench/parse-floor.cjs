// The floor of `validate` in the bench: one node process that finds the YAML files under a
// folder, reads each and parses it with `yaml`'s parseDocument, and does nothing else. Run as
// `node bench/parse-floor.cjs <folder>`; prints the number of files parsed.
const fs = require('node:fs');
const path = require('node:path');
const { parseDocument } = require('yaml');

const root = process.argv[2];
let files = 0;
const walk = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) walk(full);
    else if (/\.ya?ml$/.test(e.name)) {
      parseDocument(fs.readFileSync(full, 'utf8'));
      files++;
    }
  }
};
walk(root);
process.stdout.write(`${files}\n`);
