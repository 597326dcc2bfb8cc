/**
 * The help view, generated from the binding table: every binding with its keys, what it does and
 * where it applies, in columns when the body is too short for one.
 */
import React from 'react';
import { Box } from 'ink';
import { BINDINGS, keyLabel, type Binding } from './keys/bindings.js';
import { Lines, type Row } from './Lines.js';
import type { Theme } from './theme.js';
import { useTheme } from './theme.js';

/** Props of HelpOverlay. */
export interface HelpOverlayProps {
  readonly width: number;
  readonly height: number;
  readonly scroll: number;
}

const SECTIONS: readonly { readonly title: string; readonly test: (binding: Binding) => boolean }[] = [
  { title: 'board', test: (binding) => binding.modes.includes('normal') || binding.modes.includes('help') },
  { title: 'attached to an agent', test: (binding) => binding.modes.includes('attach') },
  { title: 'questions (y/n)', test: (binding) => binding.modes.includes('confirm') },
  {
    title: 'forms and the filter',
    test: (binding) => binding.modes.includes('form') || binding.modes.includes('filter'),
  },
];

/** The help rows: a title per section, then `keys  description (panes)` per binding. */
export function helpRows(theme: Theme, keyWidth = 12, width = Number.POSITIVE_INFINITY): Row[] {
  const rows: Row[] = [];
  const seen = new Set<Binding>();
  for (const section of SECTIONS) {
    const bindings = BINDINGS.filter((binding) => !seen.has(binding) && section.test(binding));
    if (bindings.length === 0) continue;
    rows.push([{ text: section.title, bold: true, colour: theme.accent }]);
    for (const binding of bindings) {
      seen.add(binding);
      // Where it applies, when that fits whole after the description (help lists it for them all
      // when there is room; the footer shows only what is live).
      const panes = binding.panes ? ` (${binding.panes.join(', ')})` : '';
      const where = keyWidth + 2 + binding.description.length + panes.length <= width ? panes : '';
      rows.push([
        { text: ` ${keyLabel(binding).padEnd(keyWidth)} `, colour: theme.text.key, bold: true },
        { text: binding.description },
        { text: where, colour: theme.text.dim },
      ]);
    }
  }
  return rows;
}

/** Number of help rows, for scrolling. */
export const HELP_ROW_COUNT = BINDINGS.length + SECTIONS.length;

/** The widest key label. */
const KEY_WIDTH = Math.max(...BINDINGS.map((binding) => keyLabel(binding).length));

/** The help view. */
export function HelpOverlay({ width, height, scroll }: HelpOverlayProps): React.JSX.Element {
  const theme = useTheme();
  // The way out rides on the first section's title: at 80x24 every row counts.
  const body = height;
  const columnWidth = 40;
  const columns = Math.max(
    1,
    Math.min(Math.ceil(HELP_ROW_COUNT / Math.max(1, body)), Math.floor(width / columnWidth)),
  );
  // Side by side, the key column is only as wide as the longest key, so descriptions fit at 80x24.
  const rows = helpRows(theme, columns > 1 ? KEY_WIDTH : 12, Math.floor(width / columns) - 1);
  const first = rows[0];
  if (first) rows[0] = [...first, { text: ' keys — esc or ? closes', colour: theme.text.dim }];
  const perColumn = Math.ceil(rows.length / columns);
  const shown = rows.slice(columns > 1 ? 0 : scroll);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box flexDirection="row" width={width} height={body}>
        {Array.from({ length: columns }, (_, index) => (
          // One blank column between columns.
          <Box key={index} width={Math.floor(width / columns)} height={body}>
            <Lines
              rows={shown.slice(index * perColumn, (index + 1) * perColumn)}
              width={Math.floor(width / columns) - (index < columns - 1 ? 1 : 0)}
              height={body}
            />
          </Box>
        ))}
      </Box>
    </Box>
  );
}
