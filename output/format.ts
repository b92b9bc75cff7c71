/** Number formatting for human-readable reports: SI prefixes, bytes in IEC units, fixed widths. */

const SI = [
  { p: 1e12, s: "T" }, { p: 1e9, s: "G" }, { p: 1e6, s: "M" }, { p: 1e3, s: "k" },
  { p: 1, s: "" }, { p: 1e-3, s: "m" }, { p: 1e-6, s: "u" }, { p: 1e-9, s: "n" }, { p: 1e-12, s: "p" },
];

/** 0.00123 s -> "1.23 ms". */
export function si(value: number, unit: string, digits = 3): string {
  if (!Number.isFinite(value)) return `${value} ${unit}`;
  if (value === 0) return `0 ${unit}`;
  const abs = Math.abs(value);
  const prefix = SI.find((x) => abs >= x.p) ?? SI[SI.length - 1]!;
  return `${(value / prefix.p).toPrecision(digits)} ${prefix.s}${unit}`;
}

/** 1536 -> "1.50 KiB". */
export function bytes(value: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = value;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(v)} B` : `${v.toFixed(2)} ${units[i]}`;
}

export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** Render rows as an aligned text table; numbers right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
