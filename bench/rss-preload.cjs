// Loaded with `node -r` by the history bench: writes the process's own peak resident set size
// (bytes) to the file named in ATMOS_BENCH_RSS_FILE when it exits, which no outside measure of a
// process tree can separate from the git processes it starts.
const file = process.env.ATMOS_BENCH_RSS_FILE;
if (file)
  process.on('exit', () => {
    require('node:fs').writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
  });
