/** SARIF 2.1.0 for code scanning: one run, one rule per diagnostic code. */
import { CODES, type Problem } from '../core';

/**
 * `unchecked` files become tool execution notifications at level error, and the invocation is
 * marked unsuccessful, which is how SARIF says that part of the input was not analysed.
 */
export function toSarif(
  problems: Problem[],
  version: string,
  unchecked: Array<{ file: string; reason: string }> = [],
): unknown {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'atmos-deployments',
            version,
            informationUri: 'https://atmos.tools',
            rules: CODES.map((id) => ({ id, shortDescription: { text: id } })),
          },
        },
        invocations: [
          {
            executionSuccessful: unchecked.length === 0,
            toolExecutionNotifications: unchecked.map((u) => ({
              level: 'error',
              message: { text: `Not checked: ${u.reason}.` },
              locations: [{ physicalLocation: { artifactLocation: { uri: u.file } } }],
            })),
          },
        ],
        results: problems.map((p) => ({
          ruleId: p.code,
          level: p.severity === 'error' ? 'error' : 'warning',
          message: { text: p.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: p.file },
                region: {
                  startLine: p.range.start.line + 1,
                  startColumn: p.range.start.character + 1,
                  endLine: p.range.end.line + 1,
                  endColumn: p.range.end.character + 1,
                },
              },
            },
          ],
          relatedLocations: (p.related ?? []).map((r, i) => ({
            id: i,
            message: { text: r.message },
            physicalLocation: {
              artifactLocation: { uri: r.file },
              region: {
                startLine: r.range.start.line + 1,
                startColumn: r.range.start.character + 1,
              },
            },
          })),
        })),
      },
    ],
  };
}
