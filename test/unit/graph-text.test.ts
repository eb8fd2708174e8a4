// The text graph draws the spec's pictures: a chain, a branch with `↓` under its source, and
// the box for "either dev or qa, then staging".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { graphToText, parseDeploymentFile } from '../../server/src/core';
import { checkPicture, deploymentArb, readPicture } from './graph-picture';

const draw = (targets: string) =>
  graphToText(
    parseDeploymentFile(`deployment:\n  name: x\n  targets:\n${targets}`, 'x.yaml').deployment!,
  );

describe('graphToText', () => {
  it('draws a chain on one line', () => {
    assert.equal(
      draw(
        '    dev: {}\n    staging: {promotion: {from: dev}}\n    prod: {promotion: {from: staging}}\n',
      ),
      'dev → staging → prod',
    );
  });

  it("draws the spec's CLI example: qa branches off staging", () => {
    const text = draw(
      '    dev: {}\n    staging: {promotion: {from: dev}}\n    prod: {promotion: {from: staging}}\n    qa: {promotion: {from: staging}}\n',
    );
    assert.equal(text, ['dev → staging → prod', '      ↓', '      qa'].join('\n'));
  });

  // The vertical through the box's bottom line ties the ↓ to staging, two lines up.
  it('draws a bypass as a box and keeps branches under their source', () => {
    const text = draw(
      '    dev: {}\n    qa: {promotion: {from: dev}}\n    staging: {promotion: {allowed_from: [dev, qa]}}\n' +
        '    prod: {promotion: {from: staging}}\n    perf: {promotion: {from: staging}}\n',
    );
    assert.equal(
      text,
      [
        '     ┌─→ qa ─┐',
        'dev ─┤       ├─→ staging → prod',
        '     └───────┘   │',
        '                 ↓',
        '                 perf',
      ].join('\n'),
    );
  });
});

describe('graphToText shows exactly the edges of the graph', () => {
  it('does not hang a branch of dev under an unrelated entry point', () => {
    const text = draw(
      '    dev: {}\n    other: {}\n    prod: {promotion: {from: dev}}\n    staging: {promotion: {from: dev}}\n',
    );
    assert.equal(text, ['dev → prod', '↓', 'staging', 'other'].join('\n'));
    checkPicture(
      `deployment:\n  name: x\n  targets:\n    dev: {}\n    other: {}\n    prod: {promotion: {from: dev}}\n    staging: {promotion: {from: dev}}\n`,
    );
  });

  it('draws three targets promoted from dev as three branches, not a chain', () => {
    const text = draw(
      '    dev: {}\n    a: {promotion: {from: dev}}\n    b: {promotion: {from: dev}}\n    c: {promotion: {from: dev}}\n',
    );
    assert.deepEqual(readPicture(text).edges.sort(), [
      ['dev', 'a'],
      ['dev', 'b'],
      ['dev', 'c'],
    ]);
  });

  it("draws the README's example", () => {
    const text = draw(
      '    dev: {}\n    staging: {promotion: {from: dev}}\n    prod: {promotion: {from: staging}}\n' +
        '    qa: {promotion: {from: staging}}\n    hotfix: {promotion: {from: dev}}\n    perf: {promotion: {from: dev}}\n',
    );
    assert.equal(
      text,
      ['dev → staging → prod', '│     ↓', '│     qa', '├─→ hotfix', '└─→ perf'].join('\n'),
    );
  });

  it('lists the edge into a cycle', () => {
    const text = draw(
      '    dev: {}\n    a: {promotion: {allowed_from: [dev, b]}}\n    b: {promotion: {from: a}}\n',
    );
    assert.match(text, /^also: dev → a$/m);
    assert.match(text, /^cycle: a → b → a$/m);
  });

  it('quotes names that would read as drawing', () => {
    const text = draw('    "a → b": {}\n    c: {promotion: {from: "a → b"}}\n');
    assert.equal(text, '"a → b" → c');
  });

  it('reads every picture of thousands of random graphs back into the graph', () => {
    fc.assert(
      fc.property(deploymentArb, (yaml) => checkPicture(yaml)),
      {
        numRuns: 3000,
        seed: 20261203,
      },
    );
  });
});
