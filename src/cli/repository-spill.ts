import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReportRepository } from '../report/model.js';

// Merging the reports of a sharded registry audit puts every repository of the registry, with every
// image, in one report: held in memory they outgrew V8's heap (ten shards of 1,000,000 images, 1.3 GB
// of JSON). So each repository waits in a temporary file, one JSON line each, and is read back by its
// offset when the merged report reaches it.

export class RepositorySpill {
  /** The private temporary directory (removed by remove). */
  readonly dir = mkdtempSync(join(tmpdir(), 'ecr-lifeguard-merge-'));
  private fd: number | undefined = openSync(join(this.dir, 'repositories.jsonl'), 'w+');
  private end = 0;
  private readonly spans: Array<{ offset: number; length: number }> = [];

  /** Stores a repository; the number returned reads it back. */
  add(repository: ReportRepository): number {
    const bytes = Buffer.from(`${JSON.stringify(repository)}\n`, 'utf8');
    for (let written = 0; written < bytes.length; ) written += writeSync(this.fd!, bytes, written, bytes.length - written, this.end + written);
    this.spans.push({ offset: this.end, length: bytes.length - 1 });
    this.end += bytes.length;
    return this.spans.length - 1;
  }

  get(handle: number): ReportRepository {
    const { offset, length } = this.spans[handle]!;
    const buffer = Buffer.allocUnsafe(length);
    for (let read = 0; read < length; ) {
      const n = readSync(this.fd!, buffer, read, length - read, offset + read);
      if (n === 0) throw new Error(`the temporary file of merged repositories ended early (${this.dir})`);
      read += n;
    }
    return JSON.parse(buffer.toString('utf8')) as ReportRepository;
  }

  remove(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
