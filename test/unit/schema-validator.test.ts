/**
 * The schema validator is generated at build time (scripts/gen-schema-validator.mjs). It must be
 * the committed file's exact output, and it must judge every value as ajv compiling the schema
 * at run time (the way it used to) does, errors included.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import fc from 'fast-check';
import { parse } from 'yaml';
import { deploymentSchema } from '../../server/src/core';
import { validate as precompiled } from '../../server/src/core/schema-validator.generated';

const ROOT = path.resolve(__dirname, '..', '..');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(name) ? [full] : [];
  });
}

describe('precompiled schema validator', () => {
  it('is what the generator writes for the current schema', async () => {
    const gen = (await import(path.join(ROOT, 'scripts', 'gen-schema-validator.mjs'))) as {
      generate: () => string;
      OUTPUT: string;
    };
    assert.equal(
      readFileSync(gen.OUTPUT, 'utf8'),
      gen.generate(),
      'run npm run build to regenerate it',
    );
  });

  const runtime = new Ajv2020({ allErrors: true, strict: false, verbose: true }).compile(
    deploymentSchema,
  );
  const judge = (v: ValidateFunction, value: unknown) => {
    const ok = v(value);
    return { ok, errors: v.errors ?? null };
  };
  const same = (value: unknown) => {
    const a = judge(runtime, value);
    const b = judge(precompiled, value);
    assert.deepEqual(b, a);
    return a.ok;
  };

  it('judges every fixture as the run-time compiled schema does', () => {
    const files = yamlFiles(path.join(ROOT, 'test', 'fixtures'));
    assert.ok(files.length > 10, `found ${files.length} fixtures`);
    let valid = 0;
    for (const f of files) {
      let value: unknown;
      try {
        value = parse(readFileSync(f, 'utf8'));
      } catch {
        continue;
      }
      if (same(value)) valid++;
    }
    assert.ok(valid > 0 && valid < files.length, 'the corpus has valid and invalid files');
  });

  it('judges random values and mutated deployments the same way', () => {
    const base = {
      deployment: {
        name: 'payment-service',
        components: { terraform: { api: {} } },
        targets: { dev: {}, prod: { promotion: { from: 'dev', requires_approval: true } } },
      },
    };
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.constantFrom('name', 'components', 'targets', 'stacks', 'extra'),
        (v, key) => {
          same(v);
          same({ deployment: { ...base.deployment, [key]: v } });
          same({
            deployment: {
              ...base.deployment,
              targets: { ...base.deployment.targets, qa: { promotion: v } },
            },
          });
        },
      ),
      { seed: 7, numRuns: 400 },
    );
  });
});
