/**
 * Big files stay instant (issue 18, item 6): an edit's rules run one at a time, and completion
 * and hover that arrive meanwhile are answered between two rules, before the edit's diagnostics;
 * a validation that a newer edit made stale is dropped instead of published. Order is read from
 * the one stream of messages the server sends (a reply and a publish cannot overtake each
 * other), not from timings; the delays below only place a request inside the validation, which
 * takes about 80 ms on this file on a quiet machine and longer under load.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FULL_CAPABILITIES, Harness } from './harness';

const TARGETS = 5000;

/** A deployment of chains dev → qa → prod, `TARGETS` targets in all, with no problems. */
function bigFile(): string {
  const lines = [
    'deployment:',
    '  name: big',
    '  components:',
    '    terraform:',
    '      vpc: {}',
    '  targets:',
  ];
  for (let i = 0; i < TARGETS; i++) {
    const chain = Math.floor(i / 3);
    const step = ['dev', 'qa', 'prod'][i % 3];
    lines.push(`    c${chain}-${step}:`, '      vars:', `        replicas: ${(i % 5) + 1}`);
    if (step !== 'dev')
      lines.push('      promotion:', `        from: c${chain}-${step === 'qa' ? 'dev' : 'qa'}`);
  }
  return `${lines.join('\n')}\n`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(`requests during an edit's validation, ${TARGETS} targets`, () => {
  let h: Harness;
  let uri: string;
  let text: string;
  let version = 1;
  /** Where `replicas: ` of a target in the middle is, and the `from:` of a qa target after it. */
  let valueAt: number;
  let fromPosition: { line: number; character: number };
  let hoverPosition: { line: number; character: number };

  const positionOf = (offset: number) => {
    const before = text.slice(0, offset).split('\n');
    return { line: before.length - 1, character: before[before.length - 1].length };
  };

  /** Changes one `replicas:` value (an edit inside one target) and returns the new version. */
  const edit = async (value: string): Promise<number> => {
    text = text.slice(0, valueAt) + value + text.slice(valueAt + 1);
    await h.change(uri, text);
    return ++version;
  };

  before(async () => {
    text = bigFile();
    h = await Harness.start({ files: {}, capabilities: FULL_CAPABILITIES });
    uri = await h.open('deployments/big.yaml', text);
    await h.diagnosticsFor(uri, 1, 60_000);
    const mid = text.indexOf(`    c${Math.floor(TARGETS / 6)}-qa:`);
    valueAt = text.indexOf('replicas: ', mid) + 'replicas: '.length;
    const from = text.indexOf('from: ', valueAt) + 'from: '.length;
    fromPosition = positionOf(from);
    hoverPosition = positionOf(text.indexOf(`c${Math.floor(TARGETS / 6) + 1}-dev:`, from) + 1);
  });
  after(() => h.stop());

  for (const [name, ask] of [
    [
      'completion',
      () => h.request('textDocument/completion', { textDocument: { uri }, position: fromPosition }),
    ],
    [
      'hover',
      () => h.request('textDocument/hover', { textDocument: { uri }, position: hoverPosition }),
    ],
  ] as const) {
    test(`${name} sent during the validation is answered before the edit's diagnostics`, async () => {
      const trials = [5, 10, 15, 20, 25];
      let first = 0;
      for (const [i, delay] of trials.entries()) {
        // Idle first, so the edit is validated at once (the debounce only holds back edits that
        // follow a validation closely).
        await sleep(300);
        const v = await edit(String((i % 4) + 1));
        await sleep(delay);
        const answer = (await ask()) as unknown;
        const repliedAt = h.lastSeq;
        const diagnostics = await h.diagnosticsFor(uri, v, 30_000);
        assert.deepEqual(diagnostics, [], 'the file stays clean');
        const published = h.publishes.find((p) => p.uri === uri && p.version === v)!;
        if (published.seq > repliedAt) first++;
        // The answer is for the edited text, whatever the order.
        const shown = JSON.stringify(answer);
        if (name === 'completion')
          assert.match(shown, new RegExp(`"c${Math.floor(TARGETS / 6)}-dev"`));
        else assert.match(shown, new RegExp(`c${Math.floor(TARGETS / 6) + 1}-dev`));
      }
      // One synchronous validation answers none of them first; a trial can still lose when a
      // loaded machine delays the request past the whole validation.
      assert.ok(
        first >= 3,
        `${name} answered before the diagnostics in ${first} of ${trials.length} trials`,
      );
    });
  }

  test('a validation made stale by a newer edit is dropped, and the newer one is published', async () => {
    let dropped = 0;
    for (let i = 0; i < 3; i++) {
      await sleep(300);
      // Any publish for the first edit's version would mean its validation ran to the end.
      const stale = await edit('x');
      await sleep(15);
      const fixed = await edit(String(i + 1));
      assert.deepEqual(await h.diagnosticsFor(uri, fixed, 30_000), []);
      if (!h.publishes.some((p) => p.uri === uri && p.version === stale)) dropped++;
    }
    assert.ok(dropped >= 2, `the stale validation was dropped in ${dropped} of 3 trials`);
  });
});
