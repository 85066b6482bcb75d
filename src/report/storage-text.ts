// Storage figures as text lines, shared by the table, Markdown and HTML formatters.

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** Renders the storage object (whatever analysis put there) as "label: value" lines, bytes humanised. */
export function storageLines(storage: Record<string, unknown>): string[] {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(storage)) {
    if (value === undefined || (typeof value === 'object' && value !== null)) continue;
    const label = key.replace(/([A-Z])/g, ' $1').toLowerCase();
    lines.push(`${label}: ${typeof value === 'number' && /bytes/i.test(key) ? `${formatBytes(value)} (${value} bytes)` : String(value)}`);
  }
  return lines;
}
