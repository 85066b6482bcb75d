import { describe, expect, it } from 'vitest';
import {
  actionsByDay, brokenReferences, cumulativeBytesByDay, formatBytes, formatCount, plural, readStorage, registryStorage,
  repositoriesByRisk, reportTotals, storageLines,
} from '../../src/report/storage-text.js';
import { fixture } from './support.js';

describe('storage text helpers', () => {
  it('keeps rendering flat storage objects as before', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(storageLines({ bytesFreed: 2048, blobScope: 'repository', list: [1] })).toEqual(['bytes freed: 2.0 KiB (2048 bytes)', 'blob scope: repository']);
  });

  it('flattens figure objects one level (StorageSummary now/horizon)', () => {
    expect(storageLines({ now: { bytesFreed: 1024, blobsFreed: 1 }, byDay: [{ day: 1 }] })).toEqual(['now bytes freed: 1.0 KiB (1024 bytes)', 'now blobs freed: 1']);
  });

  it('formats counts without the locale', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(-1000)).toBe('-1,000');
    expect(plural(1, 'policy', 'policies')).toBe('1 policy');
    expect(plural(2, 'error')).toBe('2 errors');
  });

  it('reads StorageSummary-shaped and flat storage, and nothing from an unrelated object', () => {
    const view = readStorage(fixture('audit').repositories[0]!.storage)!;
    expect(view.now).toEqual({ bytesFreed: 183500800, bytesMovedToArchive: 0 });
    expect(view.horizon!.bytesFreed).toBe(412090368);
    expect(view.byDay.map((d) => d.day)).toEqual([0, 7, 10]);
    expect(readStorage({ bytesFreed: 10 })).toEqual({ horizon: { bytesFreed: 10 }, byDay: [], incomplete: false });
    expect(readStorage({ something: 'else' })).toBeUndefined();
    expect(readStorage(undefined)).toBeUndefined();
  });

  it('turns per-day figures into a step function over the horizon', () => {
    const view = readStorage({ byDay: [{ day: 2, bytesFreed: 5, bytesMovedToArchive: 1 }, { day: 4, bytesFreed: 9, bytesMovedToArchive: 0 }] })!;
    expect(cumulativeBytesByDay(view, 5).map((d) => d.bytesFreed)).toEqual([0, 0, 5, 5, 9, 9]);
  });

  it('prefers the registry totals, else sums the repositories day by day', () => {
    const report = fixture('audit');
    expect(registryStorage(report)!.horizon!.bytesFreed).toBe(464519168);
    delete report.storage;
    const summed = registryStorage(report)!;
    expect(summed.now!.bytesFreed).toBe(183500800);
    expect(summed.horizon).toEqual({ bytesFreed: 412090368 + 52428800, bytesMovedToArchive: 157286400 });
    expect(summed.byDay.map((d) => [d.day, d.bytesFreed, d.bytesMovedToArchive])).toEqual([
      [0, 183500800, 0], [4, 235929600, 0], [6, 235929600, 157286400], [7, 283115520, 157286400], [10, 464519168, 157286400],
    ]);
  });

  it('counts broken references: origins of dated image findings, recorded pulls excluded', () => {
    const report = fixture('audit');
    expect(brokenReferences(report.findings)).toBe(4);
    expect(brokenReferences(report.findings.filter((f) => f.id === 'in-use-image-expired'))).toBe(2);
  });

  it('totals the report and lists incomplete and unreadable repositories', () => {
    const t = reportTotals(fixture('audit'));
    expect([t.repositories, t.images, t.actionsNow, t.actionsOverHorizon, t.brokenReferences]).toEqual([5, 12, 2, 7, 4]);
    expect(t.severities).toEqual({ error: 2, warning: 3, info: 0 });
    expect(t.incompleteRepositories.map((r) => [r.repositoryName, r.unreadable])).toEqual([['payments/ledger', true], ['tools/ci-runner', false]]);
  });

  it('orders repositories by risk', () => {
    const report = fixture('audit');
    expect(repositoriesByRisk(report).map((r) => r.repository.repositoryName)).toEqual(['tools/ci-runner', 'shop/api', 'platform/base-images', 'legacy/batch-jobs']);
    // Without findings, bytes decide between shop/api and platform/base-images.
    report.findings = [];
    report.repositories[0]!.storage = { horizon: { bytesFreed: 1 } };
    expect(repositoriesByRisk(report).map((r) => r.repository.repositoryName)).toEqual(['tools/ci-runner', 'platform/base-images', 'shop/api', 'legacy/batch-jobs']);
  });

  it('counts actions by day and kind from the timelines', () => {
    const days = actionsByDay(fixture('audit').repositories, 30);
    expect(days).toHaveLength(31);
    expect(days.filter((d) => d.EXPIRE + d.TRANSITION > 0).map((d) => [d.day, d.EXPIRE, d.TRANSITION])).toEqual([[0, 2, 0], [4, 1, 0], [6, 0, 1], [7, 1, 0], [10, 2, 0]]);
  });
});
