/**
 * Hypervolume of a two-objective front (Zitzler & Thiele 1999): the area a set of points dominates
 * up to a reference point, both objectives minimised (negate one that is maximised). The measure a
 * search's front is compared with the exhaustive one by (the larger, the closer to the true front).
 */
export function hypervolume2d(points: readonly (readonly [number, number])[], reference: readonly [number, number]): number {
  const inside = points.filter(([a, b]) => a < reference[0] && b < reference[1]).slice().sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  let area = 0;
  let bestSecond = reference[1];
  for (const [a, b] of inside) {
    if (b >= bestSecond) continue; // dominated by a point with a smaller first objective
    area += (reference[0] - a) * (bestSecond - b);
    bestSecond = b;
  }
  return area;
}
