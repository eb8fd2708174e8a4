// The text graph draws the spec's pictures: a chain, a branch with `↓` under its source, and
// the box for "either dev or qa, then staging".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { graphToText, parseDeploymentFile } from '../../server/src/core';

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
        '     └───────┘',
        '                 ↓',
        '                 perf',
      ].join('\n'),
    );
  });
});
