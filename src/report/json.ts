import type { Formatter } from './formatter.js';

// The JSON report: the document itself, stable key order as built, two-space indent.
export const formatJson: Formatter = (report) => JSON.stringify(report, null, 2) + '\n';
