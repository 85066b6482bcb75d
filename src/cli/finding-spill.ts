import { closeSync, mkdtempSync, openSync, readSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { holdTemporary, removeTemporary } from './temporary.js';
import { compareFindings, SEVERITY_RANK, type Finding, type Severity } from '../model/finding.js';

// A registry-wide audit can produce tens of thousands of findings with large evidence. Kept in memory
// until the end they dominate the audit's footprint, so the JSON audit spills them to a temporary file,
// one JSON line each, as each repository finishes, and reads them back in report order at the end.
//
// Report order is compareFindings: severity first, then (audit findings carry no file location)
// repository name, then the rest. Repositories are added in name order and each repository's findings
// are sorted, so one pass per severity over the file yields that order; the few findings known only at
// the end (uses of repositories that were not audited) are merged in.

const SEVERITIES: Severity[] = ['error', 'warning', 'info'];

export class FindingSpill {
  private readonly dir = holdTemporary(mkdtempSync(join(tmpdir(), 'ecr-lifeguard-findings-')));
  private readonly file = join(this.dir, 'findings.jsonl');
  private fd: number | undefined = openSync(this.file, 'w');
  private lastRepository = '';
  private ordered = true;
  private worst = 0;
  count = 0;

  /** One repository's findings, sorted; repositories must come in name order for the streamed order to hold. */
  add(findings: readonly Finding[]): void {
    for (const f of findings) {
      const repository = f.repositoryName ?? '';
      if (repository < this.lastRepository || f.location !== undefined) this.ordered = false;
      this.lastRepository = repository;
      this.worst = Math.max(this.worst, SEVERITY_RANK[f.severity]);
      writeSync(this.fd!, `${JSON.stringify(f)}\n`);
      this.count++;
    }
  }

  /** The highest severity rank spilled (0 when none). */
  get worstRank(): number {
    return this.worst;
  }

  /**
   * Every spilled finding plus `extra`, in compareFindings order. `afterChunk` runs after each chunk of
   * the file has been handed out (the audit collects garbage there: see collectGarbage).
   */
  *sorted(extra: readonly Finding[], afterChunk: () => void = () => {}): Generator<Finding> {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (!this.ordered) {
      // Not in repository order (several snapshot roots): fall back to sorting in memory.
      yield* [...this.lines(afterChunk)].map((l) => JSON.parse(l) as Finding).concat(extra).sort(compareFindings);
      return;
    }
    const rest = [...extra].sort(compareFindings);
    for (const severity of SEVERITIES) {
      const pending = rest.filter((f) => f.severity === severity);
      let next = 0;
      for (const line of this.lines(afterChunk)) {
        const f = JSON.parse(line) as Finding;
        if (f.severity !== severity) continue;
        while (next < pending.length && compareFindings(pending[next]!, f) <= 0) yield pending[next++]!;
        yield f;
      }
      while (next < pending.length) yield pending[next++]!;
    }
  }

  remove(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    removeTemporary(this.dir);
  }

  private *lines(afterChunk: () => void): Generator<string> {
    const fd = openSync(this.file, 'r');
    const buffer = Buffer.alloc(1 << 20);
    // A chunk may end inside a multi-byte character: the decoder keeps the partial bytes for the next one.
    const decoder = new StringDecoder('utf8');
    let carry = '';
    try {
      for (;;) {
        const n = readSync(fd, buffer, 0, buffer.length, null);
        if (n === 0) break;
        const text = carry + decoder.write(buffer.subarray(0, n));
        const parts = text.split('\n');
        carry = parts.pop()!;
        yield* parts;
        afterChunk();
      }
      carry += decoder.end();
      if (carry !== '') yield carry;
    } finally {
      closeSync(fd);
    }
  }
}
