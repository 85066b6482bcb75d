import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { renderReport } from '../../src/report/index.js';
import type { Report } from '../../src/report/model.js';
import type { Finding } from '../../src/model/finding.js';

// Lint's coverage is stated in every format, and an empty run says so in the report itself.

const parseError: Finding = {
  id: 'parse-error', severity: 'error', message: 'cannot read charts/ecr.yaml as a policy source: a template',
  location: { file: 'charts/ecr.yaml', line: 5, column: 23 }, evidence: { code: 'source/template' },
};

function report(policies: Record<string, number>, findings: Finding[] = []): Report {
  return {
    tool: { name: 'ecr-lifeguard', version: '0.0.0' }, now: '2026-05-01T00:00:00.000Z', days: 0, repositories: [], findings, policies: [],
    coverage: {
      filesExamined: 4, policies,
      skipped: [
        { file: 'package.json', reason: 'not-a-policy-source', detail: 'not a policy source' },
        { file: 'lib/stack.ts', reason: 'program-source', detail: 'program source (CDK, Pulumi): not read; lint the synthesized template instead' },
        { file: 'evil\u001b]52;c;x\u0007.yaml', reason: 'template', detail: 'a template' },
      ],
    },
  };
}

const SENTENCE = 'Coverage: 4 files examined; 3 policies (cloudformation 1, terraform 2); 3 files skipped (not a policy source 1, program source (lint the cdk synth output) 1, template 1).';
const EMPTY = 'Coverage: 4 files examined; no lifecycle policy found; 3 files skipped';

describe('coverage in every format', () => {
  const context = { colour: false, command: 'lint' as const, cwd: process.cwd() };

  it('table: the sentence, the notable skipped files (escaped), not the ordinary ones', async () => {
    const text = await renderReport(report({ terraform: 2, cloudformation: 1 }), 'table', context);
    expect(text).toContain(SENTENCE);
    expect(text).toContain('skipped lib/stack.ts: program source');
    expect(text).not.toContain('skipped package.json');
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    expect(text).toContain('evil\\x1b]52;c;x\\x07.yaml');
    expect(await renderReport(report({}), 'table', context)).toContain(EMPTY);
  });

  it('json: the coverage object, valid against the report schema', async () => {
    const doc = JSON.parse(await renderReport(report({ terraform: 2 }, [parseError]), 'json', context)) as Report;
    expect(doc.coverage?.filesExamined).toBe(4);
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync('schemas/report.schema.json', 'utf8')) as object);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  });

  it('sarif: run properties carry the coverage; a parse-error is a located result', async () => {
    const doc = JSON.parse(await renderReport(report({ terraform: 2 }, [parseError]), 'sarif', context)) as {
      runs: Array<{ properties: { coverage: { filesExamined: number } }; results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { region: { startLine: number } } }> }> }>;
    };
    expect(doc.runs[0]!.properties.coverage.filesExamined).toBe(4);
    expect(doc.runs[0]!.results.map((r) => [r.ruleId, r.locations[0]!.physicalLocation.region.startLine])).toEqual([['parse-error', 5]]);
  });

  it('markdown: a Coverage section', async () => {
    const text = await renderReport(report({ terraform: 2, cloudformation: 1 }), 'markdown', context);
    expect(text).toContain('### Coverage');
    expect(text).toContain('4 files examined');
    expect(text).toContain('lib/stack.ts');
  });

  it('github: a notice, or a warning when no policy was found', async () => {
    expect(await renderReport(report({ terraform: 2, cloudformation: 1 }), 'github', context)).toMatch(/^::notice title=coverage::Coverage: 4 files examined/m);
    expect(await renderReport(report({}), 'github', context)).toMatch(/^::warning title=coverage::Coverage: 4 files examined; no lifecycle policy found/m);
  });
});
