import type { Formatter } from './formatter.js';
import type { Report, ReportRepository } from './model.js';

// The JSON report: the document itself, keys in the order built, two-space indent.
export const formatJson: Formatter = (report) => JSON.stringify(report, null, 2) + '\n';

const indent = (json: string, pad: string) => json.split('\n').join(`\n${pad}`);

/**
 * Writes the same bytes as formatJson, one repository at a time, so a registry-wide audit never
 * holds every repository's images in memory. Call begin, repository (any number), then end.
 */
export class JsonReportWriter {
  private count = 0;

  constructor(private readonly write: (chunk: string) => void) {}

  begin(head: Pick<Report, 'tool' | 'now' | 'days'>): void {
    const h = JSON.stringify(head, null, 2);
    // Re-open the object after its last property to append `repositories`.
    this.write(`${h.slice(0, h.lastIndexOf('\n}'))},\n  "repositories": [`);
  }

  repository(repository: ReportRepository): void {
    this.write(`${this.count++ === 0 ? '' : ','}\n    ${indent(JSON.stringify(repository, null, 2), '    ')}`);
  }

  end(rest: Omit<Report, 'tool' | 'now' | 'days' | 'repositories'>): void {
    this.write(this.count === 0 ? ']' : '\n  ]');
    for (const [key, value] of Object.entries(rest)) {
      if (value === undefined) continue;
      this.write(`,\n  ${JSON.stringify(key)}: ${indent(JSON.stringify(value, null, 2), '  ')}`);
    }
    this.write('\n}\n');
  }
}
