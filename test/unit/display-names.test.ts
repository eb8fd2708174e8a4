// Every rule's messages show names through `displayName`: hostile names (bidi controls,
// zero-width and control characters) are fed to each rule in server/src/core/rules/, and no
// message or related message may carry one raw. Such names are also invalid-name errors, but the
// other rules still report them in their own words, and those words reach the editor too.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  displayName,
  parseDeploymentFile,
  validateFile,
  WorkspaceIndex,
  type Problem,
} from '../../server/src/core';
import { RULES } from '../../server/src/core/rules';

/** [what, the character, how a message must show it]. */
const HOSTILE: Array<[string, string, string]> = [
  ['right-to-left override', '\u202E', '\\u202E'],
  ['left-to-right embedding', '\u202A', '\\u202A'],
  ['right-to-left isolate', '\u2067', '\\u2067'],
  ['pop directional isolate', '\u2069', '\\u2069'],
  ['right-to-left mark', '\u200F', '\\u200F'],
  ['Arabic letter mark', '\u061C', '\\u061C'],
  ['zero-width space', '\u200B', '\\u200B'],
  ['zero-width joiner', '\u200D', '\\u200D'],
  ['word joiner', '\u2060', '\\u2060'],
  ['byte order mark', '\uFEFF', '\\uFEFF'],
  ['soft hyphen', '\u00AD', '\\u00AD'],
  ['line separator', '\u2028', '\\u2028'],
  ['tag letter A', '\u{E0041}', '\\u{E0041}'],
  ['NUL', '\u0000', '\\u0000'],
  ['escape', '\u001B', '\\u001b'],
  ['bell', '\u0007', '\\u0007'],
  ['newline', '\n', '\\n'],
  ['carriage return', '\r', '\\r'],
  ['delete', '\u007F', '\\u007F'],
  ['C1 next line', '\u0085', '\\u0085'],
];

/** A YAML double-quoted scalar holding `s` exactly, every unusual character escaped. */
function q(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (cp >= 0x20 && cp < 0x7f) out += ch;
    else if (cp > 0xffff) out += `\\U${cp.toString(16).padStart(8, '0')}`;
    else out += `\\u${cp.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

/** One deployment file per rule, each making that rule report the hostile name `n`. */
function cases(
  n: string,
): Record<string, { files: string[]; expectName: boolean; signers?: boolean; recorded?: boolean }> {
  const N = q(n);
  const head = (name = 'pay') => `deployment:\n  name: ${name}\n`;
  return {
    'approver-no-key': {
      files: [
        `${head()}  targets:\n    dev: {}\n    prod:\n      promotion:\n        from: dev\n        requires_approval: true\n        approval_method: review\n        approvers: [${N}]\n`,
      ],
      expectName: true,
      signers: true,
    },
    // The file's component nests under a recorded one named N, which the file no longer has.
    'recorded-component-conflict': {
      files: [
        `${head()}  components:\n    terraform:\n      ${q(`${n}/api`)}: {}\n  targets:\n    dev: {}\n`,
      ],
      expectName: true,
      recorded: true,
    },
    'component-path-conflict': {
      files: [
        `${head()}  components:\n    terraform:\n      ${N}: {}\n    helmfile:\n      ${N}: {}\n  targets:\n    dev: {}\n`,
      ],
      expectName: true,
    },
    'unknown-dependency': {
      files: [
        `${head()}  components:\n    terraform:\n      api: { metadata: { depends_on: [${q(`terraform/${n}`)}] } }\n  targets:\n    dev: {}\n`,
      ],
      expectName: true,
    },
    'dependency-cycle': {
      files: [
        `${head()}  components:\n    terraform:\n      ${N}: { metadata: { depends_on: [terraform/a] } }\n      a: { metadata: { depends_on: [${q(`terraform/${n}`)}] } }\n  targets:\n    dev: {}\n`,
      ],
      expectName: true,
    },
    'duplicate-deployment': {
      files: [`${head(N)}  targets:\n    dev: {}\n`, `${head(N)}  targets:\n    qa: {}\n`],
      expectName: true,
    },
    'duplicate-key': {
      files: [`${head()}  targets:\n    ${N}: {}\n    ${N}: {}\n`],
      expectName: true,
    },
    'duplicate-source': {
      files: [
        `${head()}  targets:\n    ${N}: {}\n    prod:\n      promotion:\n        allowed_from: [${N}, ${N}]\n`,
      ],
      expectName: true,
    },
    'empty-allowed-from': {
      files: [
        `${head()}  targets:\n    dev: {}\n    ${N}:\n      promotion:\n        allowed_from: []\n`,
      ],
      expectName: true,
    },
    'invalid-name': {
      files: [`${head()}  targets:\n    ${N}: {}\n`],
      expectName: true,
    },
    'promotion-cycle': {
      files: [
        `${head()}  targets:\n    dev:\n      promotion:\n        from: ${N}\n    ${N}:\n      promotion:\n        from: dev\n`,
      ],
      expectName: true,
    },
    'promotion-exclusive': {
      files: [
        `${head()}  targets:\n    dev: {}\n    ${N}:\n      promotion:\n        from: dev\n        allowed_from: [dev]\n`,
      ],
      expectName: true,
    },
    'review-approvers': {
      files: [
        `${head()}  targets:\n    dev: {}\n    ${N}:\n      promotion:\n        from: dev\n        requires_approval: true\n        approval_method: review\n`,
      ],
      expectName: true,
    },
    schema: {
      files: [
        `${head()}  targets:\n    dev: {}\n    ${N}:\n      promotion:\n        from: dev\n        requires_approval: "yes"\n`,
      ],
      expectName: true,
    },
    'self-promotion': {
      files: [
        `${head()}  targets:\n    dev: {}\n    ${N}:\n      promotion:\n        from: ${N}\n`,
      ],
      expectName: true,
    },
    'unknown-key': {
      files: [`${head()}  ${N}: 1\n  targets:\n    dev: {}\n`],
      expectName: true,
    },
    'unknown-source': {
      files: [
        `${head()}  targets:\n    dev: {}\n    prod:\n      promotion:\n        from: ${N}\n`,
      ],
      expectName: true,
    },
    // The parser's own messages, with the character raw in a tag (YAML refuses raw controls
    // anywhere first). They do not quote the file today; they pass through displayText in case
    // a version of yaml does, and must show nothing raw either way.
    'yaml-syntax': {
      files: [`${head()}  targets:\n    dev: !x${n}y 1\n`],
      expectName: false,
    },
  };
}

function shown(p: Problem): string[] {
  return [p.message, ...(p.related ?? []).map((r) => r.message)];
}

describe('every rule shows hostile names escaped', () => {
  test('the table covers every rule', () => {
    assert.deepEqual(Object.keys(cases('x')).sort(), Object.keys(RULES).sort());
  });

  for (const [what, ch, escape] of HOSTILE) {
    test(`${what} (U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`, () => {
      const name = `st${ch}ag`;
      assert.equal(displayName(name), `st${escape}ag`);
      for (const [code, c] of Object.entries(cases(name))) {
        const index = new WorkspaceIndex();
        const files = c.files.map((text, i) => parseDeploymentFile(text, `deployments/f${i}.yaml`));
        for (const f of files) index.set(f);
        const problems = validateFile(files[0], {
          workspace: index,
          ...(c.signers ? { allowedSigners: { found: true, principals: [] } } : {}),
          ...(c.recorded ? { recorded: new Map([['dev', [name]]]) } : {}),
        });
        const ours = problems.filter((p) => p.code === code);
        if (code === 'yaml-syntax' && ch.codePointAt(0)! < 0xa0 && ch !== '\u0085') {
          // A raw control character is refused by the parser before any alias is resolved.
          assert.ok(problems.length > 0, `${code}: the file is refused`);
        } else assert.ok(ours.length > 0, `${code} reports: ${JSON.stringify(problems)}`);
        for (const p of problems)
          for (const m of shown(p))
            assert.ok(!m.includes(ch), `${p.code} shows ${what} raw: ${JSON.stringify(m)}`);
        if (c.expectName)
          assert.ok(
            ours.some((p) => shown(p).some((m) => m.includes(`st${escape}ag`))),
            `${code} names st${escape}ag: ${JSON.stringify(ours.map(shown))}`,
          );
      }
    });
  }
});
