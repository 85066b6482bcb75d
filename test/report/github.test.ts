import { describe, expect, it } from 'vitest';
import { escapeData, escapeProperty, formatGithub, workflowCommand } from '../../src/report/github.js';
import { context, fixture, shuffled } from './support.js';

// Parses a workflow command the way the Actions runner does (ActionCommand.TryParseV2): the command
// name, then `k=v` pairs split on `,` up to the next `::`, then the data; unescaping last.
function parseCommand(line: string): { command: string; properties: Record<string, string>; data: string } | undefined {
  if (!line.startsWith('::')) return undefined;
  const end = line.indexOf('::', 2);
  const head = line.slice(2, end);
  const space = head.indexOf(' ');
  const command = space < 0 ? head : head.slice(0, space);
  const properties: Record<string, string> = {};
  if (space >= 0) {
    for (const pair of head.slice(space + 1).split(',')) {
      const eq = pair.indexOf('=');
      properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
    }
  }
  return { command, properties, data: unescapeData(line.slice(end + 2)) };
}
const unescapeData = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProperty = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');

describe('github annotations', () => {
  it('escapes data and properties as @actions/core does', () => {
    expect(escapeData('100% done\r\nnext: a,b')).toBe('100%25 done%0D%0Anext: a,b');
    expect(escapeProperty('100% done\r\nnext: a,b')).toBe('100%25 done%0D%0Anext%3A a%2Cb');
    expect(workflowCommand('warning', [['file', 'a,b.json'], ['line', 3], ['col', undefined], ['title', 'x:y']], 'm')).toBe('::warning file=a%2Cb.json,line=3,title=x%3Ay::m');
    expect(workflowCommand('notice', [], 'plain')).toBe('::notice::plain');
  });

  it('annotates lint findings on their file, line and column with the check as title', () => {
    const lines = formatGithub(fixture('lint'), context('lint')).trimEnd().split('\n');
    expect(lines).toContain('::error file=infra/cfn/registry.yaml,line=47,col=13,endLine=51,endColumn=14,title=ecr-rejects-policy::ECR will reject this policy: rule 2 has tagStatus "tagged" but neither tagPrefixList nor tagPatternList');
    expect(lines).toContain('::notice file=policies/base.json,line=2,col=3,title=no-untagged-rule::no rule selects untagged images: they accumulate until a tagStatus any rule reaches them');
    expect(lines.at(-1)).toBe('ecr-lifeguard lint: 2 errors, 2 warnings, 1 info');
  });

  it('puts in-use findings on the first use and lists the other uses in the message', () => {
    const lines = formatGithub(fixture('audit'), context('audit')).split('\n');
    const parsed = lines.map(parseCommand).find((c) => c?.properties.title === 'in-use-image-expired')!;
    expect(parsed.command).toBe('error');
    expect(parsed.properties).toMatchObject({ file: 'deploy/k8s/api-canary.yaml', line: '18', col: '18' });
    expect(parsed.data.split('\n')).toEqual([expect.stringMatching(/^in-use image shop\/api:release-1\.41\.2/), 'also used at ecs/api-task.json:12:22 (containerDefinitions[0].image)']);
  });

  it('gives findings without a file no file property, and flags incomplete repositories', () => {
    const report = { ...fixture('audit'), findings: [{ id: 'unresolved-in-use-reference', severity: 'warning' as const, message: 'no file here', repositoryName: 'x', evidence: {} }] };
    const lines = formatGithub(report, context('audit')).trimEnd().split('\n');
    expect(lines[0]).toBe('::warning title=unresolved-in-use-reference::no file here');
    expect(lines).toContain('::error title=repository-incomplete::tools/ci-runner (123456789012 eu-west-1) could not be read completely: DescribeImages failed after 5 attempts: ThrottlingException (page 3); its results are incomplete');
    expect(lines.some((l) => l.startsWith('::error title=repository-unreadable::payments/ledger'))).toBe(true);
  });

  it('round-trips hostile file names and messages: one line per command, values intact', () => {
    const report = fixture('hostile');
    const out = formatGithub(report, context('audit'));
    const lines = out.trimEnd().split('\n');
    // Every line is a command or the summary: no message leaked onto a line of its own.
    expect(lines.every((l) => l.startsWith('::') || l.startsWith('ecr-lifeguard audit:'))).toBe(true);
    const finding = report.findings.find((f) => f.id === 'in-use-image-expired')!;
    const parsed = lines.map(parseCommand).find((c) => c?.properties.title === 'in-use-image-expired')!;
    expect(parsed.properties.file).toBe(finding.origins![0]!.file);
    expect(parsed.data.split('\n').slice(0, 2).join('\n')).toBe(finding.message);
    const custom = lines.map(parseCommand).find((c) => c?.properties.title === 'custom<check>')!;
    expect(custom).toMatchObject({ command: 'notice', properties: { file: 'policy, "quoted": 50%.json', line: '3', col: '4' } });
  });

  it('is deterministic and independent of input order', () => {
    const out = formatGithub(fixture('audit'), context('audit'));
    expect(formatGithub(shuffled(fixture('audit')), context('audit'))).toBe(out);
  });
});
