/** Small statistics for the bench report. */

/**
 * Lowest–highest ours/bare ratio over the cell's rounds, round i of each server paired (they ran back to back):
 * the spread shows how much of a cell's ratio the machine's drift can account for.
 */
export function roundRatioRange(ours: readonly number[], bare: readonly number[]): string {
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(ours.length, bare.length); i++) {
    const a = ours[i] ?? 0;
    const b = bare[i] ?? 0;
    if (a > 0 && b > 0) ratios.push(a / b);
  }
  if (ratios.length < 2) return '—';
  return `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
}
