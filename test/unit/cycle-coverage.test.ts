// Every edge that lies on a cycle gets a promotion-cycle diagnostic, even when two cycles
// share their closing edge; and tag messages keep SHA-like values as text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildGraph,
  parseDeploymentFile,
  parseTagMessage,
  validateFile,
} from '../../server/src/core';

const shared = `deployment:
  name: x
  targets:
    a: {promotion: {from: d}}
    b: {promotion: {from: a}}
    c: {promotion: {from: a}}
    d: {promotion: {allowed_from: [b, c]}}
    e: {promotion: {from: a}}
`;

describe('cycles sharing a back edge', () => {
  it('reports both cycles with their full paths', () => {
    const file = parseDeploymentFile(shared, 'x.yaml');
    const paths = buildGraph(file.deployment!).cycles.map((c) => c.path.join(' → '));
    assert.deepEqual(paths.sort(), ['a → b → d → a', 'a → c → d → a']);
  });

  it('puts a diagnostic on every edge that lies on a cycle, and none on edges that do not', () => {
    const file = parseDeploymentFile(shared, 'x.yaml');
    const edges = new Set(
      validateFile(file)
        .filter((p) => p.code === 'promotion-cycle')
        .map((p) => `${p.data!.source}->${p.data!.target}`),
    );
    assert.deepEqual([...edges].sort(), ['a->b', 'a->c', 'b->d', 'c->d', 'd->a']);
  });
});

describe('parseTagMessage', () => {
  it('keeps unquoted SHA-like values as text', () => {
    const msg =
      'atmos.tools/v1alpha1\nkind: Deployment\n---\ndeployment: d\ntarget: t\ncomponent: c\n' +
      'git_sha: 0123456\ntimestamp: 2025-01-22T12:00:00Z\nstatus: success\nbuild_id: 1e10\n';
    const r = parseTagMessage(msg);
    assert.equal(r?.git_sha, '0123456');
    assert.equal(r?.build_id, '1e10');
  });
});
