import { formatTagMessage, parseTagMessage } from './server/src/core';
import { referenceParseTagMessage } from './test/unit/reference-tag-message';
const msgs: string[] = [];
for (let i = 0; i < 100000; i++) {
  const m = formatTagMessage({ deployment: 'history-scale', target: 'prod', component: `svc-${String(i % 100).padStart(3, '0')}`, deployed_by: 'bench@example.com', build_id: `build-${i}`, git_sha: (i.toString(16) + 'a'.repeat(40)).slice(0, 40), timestamp: '2025-01-01T00:00:01Z', status: 'success', promoted_from: 'staging', promoted_at: '2025-01-01T00:00:01Z', metadata: { pr: `#${i}`, jira: `PROJ-${i}` } });
  // as in the stream: a slice of a longer decoded string
  msgs.push(('object x\ntype commit\n\n' + m).slice(22));
}
for (let round = 0; round < 8; round++) {
  let t = performance.now(); for (const m of msgs) referenceParseTagMessage(m); const a = performance.now() - t;
  t = performance.now(); for (const m of msgs) parseTagMessage(m); const b = performance.now() - t;
  console.log(`ref ${a.toFixed(0)} ms  new ${b.toFixed(0)} ms`);
}
