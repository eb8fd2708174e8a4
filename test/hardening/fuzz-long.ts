// `npm run fuzz`: the long server fuzzing run (fuzz.ts). ATMOS_FUZZ_SEED and ATMOS_FUZZ_COUNT
// choose the seed (default: the time) and the number of documents (default 10,000). Prints the
// report as JSON; exits 1 on the first failing document, with its seed, index and text.
// Before that, the text graph is drawn and read back for ATMOS_GRAPH_FUZZ_COUNT random graphs
// (default 100,000, about 20 s), the long form of the property in graph-text.test.ts; then
// ATMOS_INCREMENTAL_FUZZ_COUNT edit sequences compare the incremental re-parse with a full one.
import fc from 'fast-check';
import { checkPicture, deploymentArb } from '../unit/graph-picture';
import { runFuzz } from './fuzz';
import { runIncrementalFuzz } from './incremental-fuzz';

const seed = Number(process.env.ATMOS_FUZZ_SEED ?? Date.now() % 2 ** 31);
const count = Number(process.env.ATMOS_FUZZ_COUNT ?? 10_000);
const graphCount = Number(process.env.ATMOS_GRAPH_FUZZ_COUNT ?? 100_000);

try {
  fc.assert(
    fc.property(deploymentArb, (yaml) => checkPicture(yaml)),
    { numRuns: graphCount, seed },
  );
  console.log(`fuzz: ${graphCount} text graphs read back as their graphs (seed ${seed})`);
} catch (err) {
  console.error(`fuzz: text graph FAILED (seed ${seed})\n${(err as Error).message}`);
  process.exit(1);
}

// The incremental re-parse against a full parse, ATMOS_INCREMENTAL_FUZZ_COUNT edit sequences
// (default 10,000, a few minutes).
const incrementalCount = Number(process.env.ATMOS_INCREMENTAL_FUZZ_COUNT ?? 10_000);
try {
  const report = runIncrementalFuzz(seed, incrementalCount);
  console.log(
    `fuzz: ${report.sequences} edit sequences, ${report.steps} edits (${report.spliced} spliced), each equal to a full parse (seed ${seed})`,
  );
} catch (err) {
  console.error(`fuzz: incremental re-parse FAILED (seed ${seed})\n${(err as Error).message}`);
  process.exit(1);
}

runFuzz({
  seed,
  count,
  progress: (done) => {
    if (done % 1000 === 0) process.stderr.write(`fuzz: ${done}/${count} (seed ${seed})\n`);
  },
}).then(
  (report) => {
    console.log(JSON.stringify(report, null, 2));
    console.log(`fuzz: ${report.documents} documents, 0 failures (seed ${seed})`);
  },
  (err: Error) => {
    console.error(
      `fuzz: FAILED (seed ${seed}, reproduce with ATMOS_FUZZ_SEED=${seed})\n${err.message}`,
    );
    process.exit(1);
  },
);
