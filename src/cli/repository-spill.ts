import { closeSync, mkdtempSync, openSync, readSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../model/errors.js';
import type { ReportRepository } from '../report/model.js';
import { reasonOf } from './output.js';
import { holdTemporary, removeTemporary } from './temporary.js';

// Merging the reports of a sharded registry audit puts every repository of the registry, with every
// image, in one report: held in memory they outgrew V8's heap (ten shards of 1,000,000 images, 1.3 GB
// of JSON). So each repository is kept as its JSON text, in memory while they are small, then in a
// temporary file, one line each, read back by its offset when the merged report reaches it.

/** JSON text held in memory before the repositories move to a temporary file. */
const HELD_IN_MEMORY = 64 * 1024 * 1024;

export class RepositorySpill {
  /** The private temporary directory, once there is one (remove deletes it). */
  dir: string | undefined;
  private fd: number | undefined;
  private end = 0;
  /** Until the file exists: each repository's JSON text. */
  private held: string[] | undefined = [];
  private heldLength = 0;
  private readonly spans: Array<{ offset: number; length: number }> = [];

  constructor(private readonly heldInMemory = HELD_IN_MEMORY) {}

  /** Stores a repository; the number returned reads it back. */
  add(repository: ReportRepository): number {
    const text = JSON.stringify(repository);
    if (this.held) {
      this.held.push(text);
      this.heldLength += text.length;
      if (this.heldLength > this.heldInMemory) this.moveToFile();
      return this.held ? this.held.length - 1 : this.spans.length - 1;
    }
    this.append(text);
    return this.spans.length - 1;
  }

  get(handle: number): ReportRepository {
    if (this.held) return JSON.parse(this.held[handle]!) as ReportRepository;
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
    if (this.dir !== undefined) removeTemporary(this.dir);
  }

  private moveToFile(): void {
    try {
      this.dir = holdTemporary(mkdtempSync(join(tmpdir(), 'ecr-lifeguard-merge-')));
      this.fd = openSync(join(this.dir, 'repositories.jsonl'), 'w+');
    } catch (e) {
      this.remove();
      this.dir = undefined;
      throw new UsageError(`merge: the repositories to combine need a temporary file in ${tmpdir()}: ${reasonOf(e)}; set TMPDIR to a writable folder`);
    }
    const held = this.held!;
    this.held = undefined;
    for (const text of held) this.append(text);
  }

  private append(text: string): void {
    const bytes = Buffer.from(`${text}\n`, 'utf8');
    for (let written = 0; written < bytes.length; ) written += writeSync(this.fd!, bytes, written, bytes.length - written, this.end + written);
    this.spans.push({ offset: this.end, length: bytes.length - 1 });
    this.end += bytes.length;
  }
}
