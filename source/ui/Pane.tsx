/**
 * A titled pane: one rule line with the title (accented when focused), then its rows. A rule costs
 * one line where a border costs two lines and two columns, which matters at 80x24.
 */
import React from 'react';
import { Box, Text } from 'ink';
import { Lines, type Row } from './Lines.js';
import { displayText, sliceColumns, textWidth } from './text.js';
import { useTheme } from './theme.js';

/** Props of Pane. */
export interface PaneProps {
  readonly title: string;
  /** Right-aligned hint on the rule (e.g. `following`). */
  readonly hint?: string;
  readonly focused: boolean;
  readonly width: number;
  readonly height: number;
  readonly rows: readonly Row[];
}

/** A pane of `height` lines including its title rule. */
export function Pane({ title, hint, focused, width, height, rows }: PaneProps): React.JSX.Element {
  const theme = useTheme();
  const left = `${focused ? '▶' : '─'} ${displayText(title)} `;
  const right = hint ? ` ${displayText(hint)} ─` : '';
  const fill = Math.max(0, width - textWidth(left) - textWidth(right));
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text wrap="truncate" color={focused ? theme.focus : theme.border} bold={focused}>
        {sliceColumns(left + '─'.repeat(fill) + right, width)}
      </Text>
      <Lines rows={rows} width={width} height={height - 1} />
    </Box>
  );
}
