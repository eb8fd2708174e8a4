/**
 * Case 1: the language server over stdio. For each size, our server and yaml-language-server
 * each get a fresh process on the same workspace and the same messages; `yaml`'s parseDocument
 * on the same text, in this process, is the floor nobody can beat without skipping the parse.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseDocument, Parser } from 'yaml';
import { DIAGNOSTICS_TIMEOUT_MS, LSP_SIZES, type SizePlan } from '../config';
import { generateDeployment, locate, SCHEMA_BROKEN, type GeneratedFile } from '../generate';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { LspClient, type ServerSpec } from '../lsp-client';

/** Longer than our 120 ms edit window and yaml-language-server's 200 ms debounce. */
const EDIT_PAUSE_MS = 300;
import { NOT_IN_BUILD, unavailable, type Metric } from '../metric';
import { atmosServer, yamlLanguageServer } from '../servers';
import { measure, nowMs, sleep, time } from '../stats';

export interface ServerRun {
  label: string;
  /** Whether the server reported a schema error on a broken file before timing. */
  schemaCheck: { ok: boolean; detail: string };
  didOpen: Metric;
  /** An edit inside one target (a `replicas:` value): our server splices it in (incremental.ts). */
  didChange: Metric;
  /**
   * An edit outside every target (the `description:` at the top): our server parses the whole
   * text again, as it did for every edit before the incremental re-parse.
   */
  didChangeFull?: Metric;
  /**
   * Completion and hover sent 2 ms after an edit inside one target, so they arrive while the
   * server validates it (our server only): from the request to its answer.
   */
  completionDuringEdit?: Metric;
  hoverDuringEdit?: Metric;
  completion: Metric;
  hover: Metric;
  /** Set when the server answered the clean file with diagnostics (it did not check it). */
  refused?: string;
  /** Peak resident set (VmHWM) in bytes at the end of the size's runs. */
  peakRss?: number;
  notes: string[];
}

export interface LspSize {
  targets: number;
  bytes: number;
  lines: number;
  floor: Metric;
  /**
   * `yaml`'s lexer and parser alone (its concrete syntax tree, no Document): the least any
   * parse through the library costs, beside 0.25× of yaml-language-server.
   */
  cstFloor: Metric;
  servers: Record<'atmos' | 'yls', ServerRun>;
}

export type Log = (message: string) => void;

export async function runLspCase(log: Log): Promise<LspSize[]> {
  const out: LspSize[] = [];
  for (const plan of LSP_SIZES) {
    const file = generateDeployment({ name: `bench-${plan.targets}`, targets: plan.targets });
    const floor = await measure(plan.warmup + 1, plan.runs * 2, () =>
      time(() => parseDocument(file.text)),
    );
    const cstFloor = await measure(plan.warmup + 1, plan.runs * 2, () =>
      time(() => [...new Parser().parse(file.text)]),
    );
    log(
      `lsp ${plan.targets} targets: parse floor median ${floor.median.toFixed(1)} ms, syntax tree alone ${cstFloor.median.toFixed(1)} ms`,
    );
    const atmos = await runServer(atmosServer(), plan, file, log, 'schema');
    const yls = await runServer(yamlLanguageServer(), plan, file, log, undefined);
    out.push({
      targets: plan.targets,
      bytes: Buffer.byteLength(file.text),
      lines: file.text.split('\n').length - 1,
      floor,
      cstFloor,
      servers: { atmos, yls },
    });
  }
  return out;
}

/** A target in the middle of the file whose promotion names one source (for completion). */
function middleTargets(file: GeneratedFile): { hoverName: string; fromName: string } {
  const mid = Math.floor(file.targets.length / 2);
  const withFrom =
    file.targets.slice(mid).find((t) => t.sources.length === 1) ??
    file.targets.find((t) => t.sources.length === 1)!;
  return { hoverName: file.targets[mid].name, fromName: withFrom.name };
}

async function runServer(
  spec: ServerSpec,
  plan: SizePlan,
  file: GeneratedFile,
  log: Log,
  expectedSchemaCode: string | undefined,
): Promise<ServerRun> {
  const root = mkdtempSync(path.join(tmpdir(), 'atmos-bench-lsp-'));
  mkdirSync(path.join(root, 'deployments'));
  const filePath = path.join(root, 'deployments', `bench-${plan.targets}.yaml`);
  writeFileSync(filePath, file.text);
  const uri = pathToFileURL(filePath).href;
  const brokenUri = pathToFileURL(path.join(root, 'deployments', 'broken.yaml')).href;
  const run: ServerRun = {
    label: spec.label,
    schemaCheck: { ok: false, detail: '' },
    didOpen: unavailable(NOT_IN_BUILD),
    didChange: unavailable(NOT_IN_BUILD),
    completion: unavailable(NOT_IN_BUILD),
    hover: unavailable(NOT_IN_BUILD),
    notes: [],
  };
  const client = LspClient.spawn(spec, root);
  try {
    await client.initialize(root);

    // Real validation first: a file the schema rejects must come back with a schema error,
    // otherwise the timings below would measure a server that checks nothing.
    const brokenDiags = client.nextDiagnostics(brokenUri, 30_000);
    await client.open(brokenUri, SCHEMA_BROKEN);
    const broken = await brokenDiags;
    await client.close(brokenUri);
    await client.barrier(brokenUri);
    const schemaDiag = broken?.diagnostics.find((d) =>
      expectedSchemaCode ? d.code === expectedSchemaCode : /boolean/i.test(d.message),
    );
    run.schemaCheck = schemaDiag
      ? { ok: true, detail: `${String(schemaDiag.code ?? '')} ${schemaDiag.message}`.trim() }
      : {
          ok: false,
          detail: broken
            ? `published ${broken.diagnostics.length} diagnostics, none a schema error`
            : 'no diagnostics published within 30 s',
        };
    if (!run.schemaCheck.ok) {
      if (expectedSchemaCode) {
        run.notes.push(`diagnostics: ${run.schemaCheck.detail}`);
        return run;
      }
      throw new Error(
        `bench: ${spec.label} did not report a schema error on a broken file (${run.schemaCheck.detail}); it is not validating, so its timings would mean nothing`,
      );
    }

    // didOpen → diagnostics. The description changes every run so no server can answer
    // from a cache keyed on the text; versions only grow for the same reason.
    let failure: string | undefined;
    // A server that answers a clean file with diagnostics did not do the same work as the
    // others (it may have refused the file), so its time is reported, not compared.
    const wrong: { didOpen?: string; didChange?: string } = {};
    run.didOpen = await measure(plan.warmup, plan.runs, async (i) => {
      if (failure) return NaN;
      const text = file.text.replace(
        /^ {2}description: .*$/m,
        `  description: "Benchmark run ${i}"`,
      );
      const waiter = client.nextDiagnostics(uri, DIAGNOSTICS_TIMEOUT_MS);
      const t0 = nowMs();
      await client.open(uri, text);
      const got = await waiter;
      const ms = got ? got.at - t0 : NaN;
      if (!got) failure = `didOpen: no diagnostics within ${DIAGNOSTICS_TIMEOUT_MS / 1000} s`;
      else if (got.diagnostics.length) wrong.didOpen ??= wrongAnswer(got.diagnostics);
      await client.close(uri);
      await client.barrier(uri);
      return ms;
    });
    if (failure) {
      run.notes.push(failure);
      run.didOpen = unavailable(failure);
      return run;
    }
    if (wrong.didOpen) {
      run.refused = wrong.didOpen;
      run.didOpen = unavailable(wrongMetric(wrong.didOpen, run.didOpen));
    }

    const opened = client.nextDiagnostics(uri, DIAGNOSTICS_TIMEOUT_MS);
    await client.open(uri, file.text);
    await opened;

    // didChange → diagnostics: one character of a `replicas:` value in the middle of the file,
    // as a keystroke sends it.
    const midLine = locate(file.text, 'replicas: ', Math.floor(file.text.split('\n').length / 2));
    const valueAt = { line: midLine.line, character: midLine.character + 'replicas: '.length };
    const valueEnd = { line: valueAt.line, character: valueAt.character + 1 };
    run.didChange = await measure(plan.warmup, plan.runs, async (i) => {
      if (failure) return NaN;
      // Each edit follows a pause longer than either server's debounce window, as when a user
      // stops typing to read the problems: that is the latency they notice. Both servers get
      // the same pause; it is not part of the measured time.
      await new Promise((resolve) => setTimeout(resolve, EDIT_PAUSE_MS));
      const waiter = client.nextDiagnostics(uri, DIAGNOSTICS_TIMEOUT_MS);
      const t0 = nowMs();
      await client.change(uri, valueAt, valueEnd, String(((i + 10) % 9) + 1));
      const got = await waiter;
      if (!got) failure = `didChange: no diagnostics within ${DIAGNOSTICS_TIMEOUT_MS / 1000} s`;
      else if (got.diagnostics.length) wrong.didChange ??= wrongAnswer(got.diagnostics);
      return got ? got.at - t0 : NaN;
    });
    if (failure) {
      run.notes.push(failure);
      run.didChange = unavailable(failure);
    }
    if (wrong.didChange) run.didChange = unavailable(wrongMetric(wrong.didChange, run.didChange));

    // didChange → diagnostics for an edit outside every target: one letter of the description.
    const desc = locate(file.text, 'Benchmark deployment');
    const descAt = { line: desc.line, character: desc.character };
    const descEnd = { line: desc.line, character: desc.character + 1 };
    if (!failure)
      run.didChangeFull = await measure(plan.warmup, plan.runs, async (i) => {
        if (failure) return NaN;
        await new Promise((resolve) => setTimeout(resolve, EDIT_PAUSE_MS));
        const waiter = client.nextDiagnostics(uri, DIAGNOSTICS_TIMEOUT_MS);
        const t0 = nowMs();
        await client.change(uri, descAt, descEnd, i % 2 ? 'B' : 'b');
        const got = await waiter;
        if (!got)
          failure = `didChange (full): no diagnostics within ${DIAGNOSTICS_TIMEOUT_MS / 1000} s`;
        else if (got.diagnostics.length) wrong.didChange ??= wrongAnswer(got.diagnostics);
        return got ? got.at - t0 : NaN;
      });
    // Let any debounced work settle so the requests below are measured on their own.
    await sleep(300);
    await client.barrier(uri);

    const { hoverName, fromName } = middleTargets(file);
    const fromKey = locate(file.text, `    ${fromName}:`);
    const fromLine = locate(file.text, 'from: ', fromKey.line);
    const completionAt = { line: fromLine.line, character: fromLine.character + 'from: '.length };
    const hoverAt = { line: locate(file.text, `    ${hoverName}:`).line, character: 5 };

    // Requests that arrive while an edit inside one target is being validated (ours only: the
    // goal is ours alone, and yaml-language-server debounces its validation past them).
    if (expectedSchemaCode && !failure) {
      const during = async (i: number, request: () => Promise<unknown>) => {
        await new Promise((resolve) => setTimeout(resolve, EDIT_PAUSE_MS));
        const waiter = client.nextDiagnostics(uri, DIAGNOSTICS_TIMEOUT_MS);
        await client.change(uri, valueAt, valueEnd, String((i % 9) + 1));
        await sleep(2);
        const t0 = nowMs();
        await request();
        const ms = nowMs() - t0;
        await waiter;
        return ms;
      };
      run.completionDuringEdit = await measure(plan.warmup, plan.requestRuns, (i) =>
        during(i, () => client.completion(uri, completionAt)),
      );
      run.hoverDuringEdit = await measure(plan.warmup, plan.requestRuns, (i) =>
        during(i, () => client.hover(uri, hoverAt)),
      );
      await sleep(300);
      await client.barrier(uri);
    }

    if (client.capabilities.completionProvider) {
      let items = 0;
      run.completion = await measure(plan.warmup, plan.requestRuns, async () => {
        const t0 = nowMs();
        const r = (await client.completion(uri, completionAt)) as
          { items?: unknown[] } | unknown[] | null;
        const ms = nowMs() - t0;
        items = Array.isArray(r) ? r.length : (r?.items?.length ?? 0);
        return ms;
      });
      run.notes.push(`completion in 'from:' returned ${items} items`);
    }
    if (client.capabilities.hoverProvider) {
      let empty = false;
      run.hover = await measure(plan.warmup, plan.requestRuns, async () => {
        const t0 = nowMs();
        const r = await client.hover(uri, hoverAt);
        const ms = nowMs() - t0;
        empty = !r;
        return ms;
      });
      if (empty) run.notes.push('hover on a target key returned nothing');
    }
    run.peakRss = client.peakRss();
    log(
      `lsp ${plan.targets} targets, ${spec.label}: open ${fmt(run.didOpen)}, change ${fmt(run.didChange)}, completion ${fmt(run.completion)}, hover ${fmt(run.hover)}, peak RSS ${((run.peakRss ?? 0) / 2 ** 20).toFixed(0)} MB`,
    );
    return run;
  } catch (err) {
    const message = `${spec.label} failed: ${(err as Error).message}. stderr: ${client.lastStderr().slice(-500)}`;
    if (!expectedSchemaCode) throw new Error(message);
    run.notes.push(message);
    return run;
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

function wrongAnswer(diags: Diagnostic[]): string {
  return `${diags.length} diagnostic(s) on a clean file, first: "${diags[0].message}"`;
}

function wrongMetric(why: string, m: Metric): string {
  return `not comparable: ${why} (answered in ${fmt(m)} median)`;
}

function fmt(m: Metric): string {
  return 'median' in m ? `${m.median.toFixed(1)} ms` : 'n/a';
}
