/**
 * Measures of a two-objective front.
 *
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

/**
 * The knee of a two-objective front, both objectives minimised: with each objective scaled to
 * [0, 1] over the front, the front runs from (0, 1) to (1, 0), and the knee is the interior point
 * farthest from that chord towards the ideal point (0, 0), i.e. the largest 1 - x - y (Das 1999,
 * "On characterizing the 'knee' of the Pareto curve based on normal-boundary intersection"; the
 * distance form of Satopaa et al. 2011, Kneedle): where giving up a little of one objective stops
 * buying much of the other. Undefined for fewer than three points, or when no point bulges
 * towards the ideal (a straight or concave front has no knee).
 */
export function kneeIndex(points: readonly (readonly [number, number])[]): number | undefined {
  if (points.length < 3) return undefined;
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  let best = 1e-12, knee: number | undefined;
  points.forEach(([x, y], i) => {
    const bulge = 1 - (x - x0) / (x1 - x0 || 1) - (y - y0) / (y1 - y0 || 1);
    if (bulge > best) {
      best = bulge;
      knee = i;
    }
  });
  return knee;
}
