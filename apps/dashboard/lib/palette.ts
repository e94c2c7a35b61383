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

/** The same colour for the same series key on every chart and page (node ids, reasons). */
export function stableColor(key: string): string {
  if (key === OTHERS_KEY) return OTHERS_COLOR;
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return PALETTE[(h >>> 0) % PALETTE.length] ?? OTHERS_COLOR;
}

/** Level colours for event ids and badges. */
export const LEVEL_COLOR = { info: '#5794f2', warning: '#ff9830', error: '#f2495c' } as const;
