// A least-recently-used cache bounded by the total weight of its entries (the interactive session
// weighs an analysis by its repository's images: one of 100,000 images holds about 200 MB).

export class WeightedCache<V> {
  /** Least recently used first: Map keeps insertion order, and a hit re-inserts its entry. */
  private readonly entries = new Map<string, { value: V; weight: number }>();
  private total = 0;

  /**
   * `budget`: the total weight kept. `keepAtLeast`: the most recent entries kept whatever they weigh
   * (an edit compares the previous policy's analysis with the new one: both must stay).
   */
  constructor(
    private readonly budget: number,
    private readonly keepAtLeast = 1,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, weight: number): void {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.total -= old.weight;
    }
    this.entries.set(key, { value, weight });
    this.total += weight;
    for (const [k, entry] of this.entries) {
      if (this.total <= this.budget || this.entries.size <= this.keepAtLeast) break;
      this.entries.delete(k);
      this.total -= entry.weight;
    }
  }

  /** The keys, least recently used first. */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  get weight(): number {
    return this.total;
  }
}
