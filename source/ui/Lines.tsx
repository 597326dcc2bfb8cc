/**
 * Rows of styled text, each exactly one terminal line: every row is truncated, never wrapped, so a
 * pane's height is its number of rows whatever the content (no overflow at 80x24).
 */
import React from 'react';
import { Box, Text } from 'ink';
import { displayText, sliceColumns, textWidth } from './text.js';
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

/**
 * `row` sanitised and cut to `width` display columns (text.ts): what Ink lays out is then exactly
 * what the terminal shows, whatever tabs, escapes or wide glyphs the text held.
 */
export function fitRow(row: Row, width: number): Row {
  const out: Segment[] = [];
  let room = width;
  for (const segment of row) {
    if (room <= 0) break;
    let text = displayText(segment.text);
    let used = textWidth(text);
    if (used > room) {
      text = sliceColumns(text, room);
      used = textWidth(text);
      room = 0;
    } else room -= used;
    if (text.length > 0) out.push(text === segment.text ? segment : { ...segment, text });
  }
  return out;
}

/** Draws `rows` in a box of `width` × `height`, cutting what does not fit. */
export function Lines({ rows, width, height }: LinesProps): React.JSX.Element {
  return (
    <Box flexDirection="column" width={width} height={Math.max(0, height)} overflow="hidden">
      {rows.slice(0, Math.max(0, height)).map((raw, index) => {
        const row = fitRow(raw, width);
        return (
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
        );
      })}
    </Box>
  );
}
