import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ImageRecord, ImageStatus } from '../../src/model/image.js';
import type { LifecyclePolicy } from '../../src/model/policy.js';
import { evaluatePolicy, type Verdict } from '../../src/simulate/evaluate.js';
import { simulateHorizon } from '../../src/simulate/horizon.js';
import { relationsOf } from '../support/builders.js';

// Every worked example of Amazon's lifecycle-policy pages that states an outcome, as a fixture
// (test/fixtures/conformance/*.json); each records the page, section and the sentence it encodes.

interface FixtureImage {
  label?: string;
  imageDigest: string;
  imageTags: string[];
  imagePushedAt: string;
  imageStatus?: ImageStatus;
  lastRecordedPullTime?: string;
  lastArchivedAt?: string;
  lastActivatedAt?: string;
  subjectManifestDigest?: string;
}

interface Fixture {
  source: string;
  statement: string;
  note?: string;
  policy: LifecyclePolicy;
  now: string;
  images: FixtureImage[];
  expected: Record<string, Verdict>;
  /** Acted-on images: the rule that acts; kept images: the first rule that identified them. */
  expectedRule?: Record<string, number>;
  horizon?: { days: number; expectedTimeline: Array<{ day: number; imageDigest: string; action: Exclude<Verdict, 'KEEP'> }> };
}

const dir = fileURLToPath(new URL('../fixtures/conformance/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

function time(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad time ${iso}`);
  return ms;
}

function toRecord(f: FixtureImage): ImageRecord {
  const r: ImageRecord = { imageDigest: f.imageDigest, imageTags: f.imageTags, imagePushedAt: time(f.imagePushedAt)!, imageStatus: f.imageStatus ?? 'ACTIVE' };
  if (f.lastRecordedPullTime) r.lastRecordedPullTime = time(f.lastRecordedPullTime)!;
  if (f.lastArchivedAt) r.lastArchivedAt = time(f.lastArchivedAt)!;
  if (f.lastActivatedAt) r.lastActivatedAt = time(f.lastActivatedAt)!;
  if (f.subjectManifestDigest) r.subjectManifestDigest = f.subjectManifestDigest;
  return r;
}

describe('conformance with the AWS documentation examples', () => {
  it('has the fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(19);
  });

  for (const file of files) {
    const fixture = JSON.parse(readFileSync(dir + file, 'utf8')) as Fixture;
    describe(file, () => {
      const images = fixture.images.map(toRecord);
      const now = time(fixture.now)!;
      const relations = relationsOf(images);
      const label = new Map(fixture.images.map((i) => [i.imageDigest, i.label ?? i.imageDigest]));

      it('states a verdict for every image, and cites its source', () => {
        expect(Object.keys(fixture.expected).sort()).toEqual(images.map((i) => i.imageDigest).sort());
        expect(fixture.source).toMatch(/^https:\/\//);
        expect(fixture.statement.length).toBeGreaterThan(20);
      });

      it(`matches: ${fixture.statement.slice(0, 80)}...`, () => {
        const run = evaluatePolicy(fixture.policy, images, relations, now);
        const actual = Object.fromEntries(run.decisions.map((d) => [label.get(d.image.imageDigest), d.action]));
        const expected = Object.fromEntries(Object.entries(fixture.expected).map(([d, v]) => [label.get(d), v]));
        expect(actual).toEqual(expected);
        for (const [digest, priority] of Object.entries(fixture.expectedRule ?? {})) {
          const d = run.decisions.find((x) => x.image.imageDigest === digest)!;
          const rule = d.action === 'KEEP' ? d.protectingRulePriority : d.appliedRulePriority;
          expect({ image: label.get(digest), rule }).toEqual({ image: label.get(digest), rule: priority });
        }
      });

      if (fixture.horizon) {
        const { days, expectedTimeline } = fixture.horizon;
        it(`gives the documented timeline over ${days} days`, () => {
          const h = simulateHorizon(fixture.policy, images, relations, now, days);
          expect(h.timeline.map((t) => ({ day: t.day, imageDigest: t.imageDigest, action: t.action }))).toEqual(expectedTimeline);
        });
      }
    });
  }
});
