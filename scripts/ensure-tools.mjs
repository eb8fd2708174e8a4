// Installs the programs a test stage runs, so that their tests run instead of skipping:
//   node scripts/ensure-tools.mjs script=bsdutils [command=debian-package ...]
// Each argument names a command and the Debian package that provides it. Commands already on
// PATH cost one lookup; missing ones are installed with apt-get when we are root, and otherwise
// the script fails with the command to run, since a test that cannot run must not pass.
import { spawnSync } from 'node:child_process';

function onPath(command) {
  return (
    spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' }).status === 0
  );
}

function apt(args) {
  const r = spawnSync('apt-get', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${r.status})`);
}

const wanted = process.argv.slice(2).map((a) => a.split('='));
const missing = wanted.filter(([command]) => !onPath(command));
if (missing.length === 0) {
  console.log(`tools present: ${wanted.map(([c]) => c).join(', ')}`);
  process.exit(0);
}
const packages = [...new Set(missing.map(([, pkg]) => pkg))];
if (process.getuid?.() !== 0 || process.env.ATMOS_SKIP_APT === '1') {
  console.error(
    `missing ${missing.map(([c]) => c).join(', ')}: run  sudo apt-get install -y ${packages.join(' ')}`,
  );
  process.exit(1);
}
apt(['update', '-qq']);
apt(['install', '-y', '-qq', '--no-install-recommends', ...packages]);
const still = missing.filter(([command]) => !onPath(command));
if (still.length) {
  console.error(
    `apt-get finished but these are still missing: ${still.map(([c]) => c).join(', ')}`,
  );
  process.exit(1);
}
console.log(`installed ${packages.join(' ')}`);
