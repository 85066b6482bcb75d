// V8 represents a string built by concatenation as a rope: a tree of 32-byte nodes, one per piece, until
// something reads its characters. An ISO time assembled from ten pieces then takes some 300 bytes
// instead of 40, and a 100,000-image report keeps hundreds of thousands of such strings (times,
// reasons) until it is written. Reading one character flattens a rope in place; the garbage collector
// then drops the nodes. Measured: 300,000 ISO times kept 86 MB as ropes, 16 MB flattened.

/** The same string, flattened (see above). Returns its argument, so it wraps the expression that builds it. */
export function flatString(s: string): string {
  s.charCodeAt(0);
  return s;
}
