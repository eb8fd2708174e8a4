/**
 * TEST ONLY: `ATMOS_TEST_PAUSE_AT=<step>` stops a command at that step. It prints
 * `ATMOS_TEST_PAUSED <step>` on stderr and waits; with `ATMOS_TEST_RELEASE_FILE` it goes on once
 * that file exists, which lets race tests line many processes up at one point, and without it the
 * test kills the process there to prove the records are whole. Unset (always, outside tests) it
 * costs one comparison. The rollout's steps are listed in `rollout/apply.ts` (`PAUSE_STEPS`;
 * `approve` stops at `checked` too, before its note is written);
 * the git layer adds `note-read` (in `appendNote`, after the notes ref's tip was read and before
 * the line is appended on top of it, first attempt only), where concurrent approvals race, and
 * `cancellable-git` (before every git process of a request that can be cancelled), where the
 * cancellation tests cancel a request between two git processes.
 */
import { existsSync } from 'node:fs';

export async function testPause(step: string): Promise<void> {
  if (process.env.ATMOS_TEST_PAUSE_AT !== step) return;
  process.stderr.write(`ATMOS_TEST_PAUSED ${step}\n`);
  const release = process.env.ATMOS_TEST_RELEASE_FILE;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (release && existsSync(release)) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
}
