/**
 * Rows of styled text, each exactly one terminal line: every row is truncated, never wrapped, so a
 * pane's height is its number of rows whatever the content (no overflow at 80x24).
 */
import React from 'react';
import { Box, Text } from 'ink';
import type { Colour } from './theme.js';

/** A run of text with one style. */
export interface Segment {
  readonly text: string;
  readonly colour?: Colour;
  readonly bold?: boolean;
  readonly dim?: boolean;
  readonly inverse?: boolean;
}

/** One line on screen. */
export type Row = readonly Segment[];

/** Props of Lines. */
export interface LinesProps {
  readonly rows: readonly Row[];
  readonly width: number;
  readonly height: number;
}

/** Draws `rows` in a box of `width` × `height`, cutting what does not fit. */
export function Lines({ rows, width, height }: LinesProps): React.JSX.Element {
  return (
    <Box flexDirection="column" width={width} height={Math.max(0, height)} overflow="hidden">
      {rows.slice(0, Math.max(0, height)).map((row, index) => (
        <Text key={index} wrap="truncate">
          {row.length === 0
            ? ' '
            : row.map((segment, part) => (
                <Text
                  key={part}
                  color={segment.colour}
                  bold={segment.bold}
                  dimColor={segment.dim}
                  inverse={segment.inverse}
                >
                  {segment.text}
                </Text>
              ))}
        </Text>
      ))}
    </Box>
  );
}
