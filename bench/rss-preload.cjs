// Loaded with `node -r` by the history bench: writes the process's own peak resident set size
// (bytes) to the file named in ATMOS_BENCH_RSS_FILE when it exits. It reads VmHWM from
// /proc/self/status: `process.resourceUsage().maxRSS` starts from the parent's size on Linux
// (the kernel carries the forked copy's peak across exec), so a child of a large bench process
// would report the bench's memory, not its own.
const fs = require('node:fs');
const file = process.env.ATMOS_BENCH_RSS_FILE;
if (file)
  process.on('exit', () => {
    let bytes = process.resourceUsage().maxRSS * 1024;
    try {
      const kb = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
      if (kb) bytes = Number(kb[1]) * 1024;
    } catch {
      // Not Linux: maxRSS is the best there is.
    }
    fs.writeFileSync(file, String(bytes));
  });
