/** A number in a model table: its value, its unit, where it comes from and how sure we are. */
export interface Sourced {
  value: number;
  unit: string;
  source: string;
  /** high: read in the primary source; medium: a secondary source or a derivation from primary
   *  numbers; low: best-known value without a source we could read (flagged in docs/energy.md). */
  confidence: "high" | "medium" | "low";
  note?: string;
}
