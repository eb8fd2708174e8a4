// `npm run fuzz`: the long server fuzzing run (fuzz.ts). ATMOS_FUZZ_SEED and ATMOS_FUZZ_COUNT
// choose the seed (default: the time) and the number of documents (default 10,000). Prints the
// report as JSON; exits 1 on the first failing document, with its seed, index and text.
import { runFuzz } from './fuzz';

const seed = Number(process.env.ATMOS_FUZZ_SEED ?? Date.now() % 2 ** 31);
const count = Number(process.env.ATMOS_FUZZ_COUNT ?? 10_000);

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
