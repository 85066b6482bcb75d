// Choices the project makes where Amazon's documentation is silent. The README lists them under
// "Semantics and assumptions"; --explain names the ones a verdict depends on.

export const ASSUMPTIONS = {
  'tie-break-digest': 'Images with equal push times are ranked by imageDigest: the larger digest counts as newer.',
  'restore-counts-as-push': 'An image restored from archive after its push (lastActivatedAt later than imagePushedAt) is ordered and aged by lastActivatedAt.',
  'pull-fallback': 'sinceImagePulled measures from lastRecordedPullTime; an image never pulled is measured from its push, and one restored and not pulled since from lastActivatedAt.',
  'archive-minimum': 'sinceImageTransitioned below 90 days is accepted with a warning and simulated as 90 days (archived images have a 90-day minimum).',
  'index-children': 'An image listed by an index that is present and not archived (ACTIVE or ACTIVATING) is not selected, counted or acted on; once the index is removed or archived, its children are ordinary images from the next daily run.',
  'referrers-follow-subject': 'OCI referrers (subjectManifestDigest or a manifest subject) are never selected by rules; they are expired or archived in the same run as their subject (AWS: within 24 hours). A referrer whose subject is not in the repository is kept: the input cannot say when its subject went.',
  'activating-excluded': 'Images being restored (ACTIVATING) are in neither storage class: not selected, counted or acted on.',
  'daily-runs': 'The horizon runs the policy once a day from --now and applies each day\'s actions before the next; no pushes or pulls are simulated.',
  'tag-scheme-ordinary': 'Tag-scheme signatures and attestations (sha256-<hex>.sig/.att/.sbom) are ordinary tagged images: rules select and count them.',
} as const;

export type AssumptionId = keyof typeof ASSUMPTIONS;
