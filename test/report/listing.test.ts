import { describe, expect, it } from 'vitest';
import { listedRepository, type ReportImage, type ReportRepository } from '../../src/report/model.js';

// The listing rule (issues 18 and 19): images with an action now or within the horizon, in use, or with a
// finding; a cap leaves out the plain acted-on images before those in use or with a finding.

const image = (n: number, extra: Partial<ReportImage> = {}): ReportImage => ({
  imageDigest: `sha256:${String(n).padStart(64, '0')}`, imageTags: [`t${n}`], imagePushedAt: '2026-01-01T00:00:00.000Z', imageStatus: 'ACTIVE',
  action: 'KEEP', cause: 'rule', reason: 'kept', ...extra,
});

function repository(images: ReportImage[]): ReportRepository {
  return { repositoryName: 'r', policyStatus: 'present', complete: true, imageCount: images.length, previewResults: [], summary: { expiringImageTotalCount: 0 }, images, timeline: [], notes: [] };
}

describe('listedRepository', () => {
  const images = [
    image(1, { action: 'EXPIRE' }),
    image(2),
    image(3, { fate: { action: 'EXPIRE', date: '2026-02-01T00:00:00.000Z', day: 31, appliedRulePriority: 1 } }),
    image(4, { inUse: ['runtime k8s.yaml:3'] }),
    image(5),
    image(6, { action: 'EXPIRE' }),
    image(7),
  ];
  const withFinding = new Set([image(7).imageDigest]);

  it('lists what matters, in order, and says how many others there are', () => {
    const r = listedRepository(repository(images), withFinding);
    expect(r.images.map((i) => i.imageTags[0])).toEqual(['t1', 't3', 't4', 't6', 't7']);
    expect(r.imageCount).toBe(7);
    expect(r.notes).toEqual(['... and 2 more images not listed (kept, not in use, no finding); --all lists every image']);
  });

  it('a cap keeps images in use or with a finding first, then the report order', () => {
    const r = listedRepository(repository(images), withFinding, { cap: 3 });
    expect(r.images.map((i) => i.imageTags[0])).toEqual(['t1', 't4', 't7']);
    expect(r.notes).toEqual(['... and 4 more images not listed (2 kept, not in use, no finding; 2 more beyond the first 3); --all lists every image']);
  });

  it('--all lists every image, and a repository where everything matters is returned as is', () => {
    const repo = repository(images);
    expect(listedRepository(repo, withFinding, { all: true, cap: 1 })).toBe(repo);
    const busy = repository([image(1, { action: 'EXPIRE' }), image(2, { action: 'TRANSITION' })]);
    expect(listedRepository(busy, undefined, { cap: 5 })).toBe(busy);
  });
});
