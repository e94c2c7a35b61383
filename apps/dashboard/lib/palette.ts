/** Series colours: distinguishable on both themes (Grafana's classic palette); "others" is neutral grey. */
export const PALETTE = [
  '#7eb26d',
  '#eab839',
  '#6ed0e0',
  '#ef843c',
  '#e24d42',
  '#1f78c1',
  '#ba43a9',
  '#705da0',
  '#508642',
  '#cca300',
  '#8ab8ff',
  '#ff7383',
];
export const OTHERS_COLOR = '#8e8e8e';
export const OTHERS_KEY = 'others';

export function colorFor(i: number, key?: string): string {
  if (key === OTHERS_KEY) return OTHERS_COLOR;
  return PALETTE[i % PALETTE.length] ?? OTHERS_COLOR;
}
