/**
 * A small form (new task: title, one step, one verify command; block: a reason). Typing edits the
 * focused field; tab moves; enter submits; esc cancels. The engine's answer shows under it.
 */
import React from 'react';
import type { FormField, FormPurpose } from './board-state.js';
import { wrapText } from './format.js';
import type { Row } from './Lines.js';
import { Pane } from './Pane.js';
import { displayText, dropColumns, textWidth } from './text.js';
import { useTheme } from './theme.js';

/** Props of TaskForm. */
export interface TaskFormProps {
  readonly purpose: FormPurpose;
  readonly fields: readonly FormField[];
  readonly field: number;
  readonly error: string | undefined;
  readonly busy: boolean;
  readonly width: number;
  readonly height: number;
}

/** The form view. */
export function TaskForm({
  purpose,
  fields,
  field,
  error,
  busy,
  width,
  height,
}: TaskFormProps): React.JSX.Element {
  const theme = useTheme();
  const labelWidth = Math.max(...fields.map((f) => f.label.length)) + 2;
  const rows: Row[] = [[]];
  fields.forEach((f, index) => {
    const focused = index === field;
    // Show the end of a long value: that is where the cursor is.
    const room = Math.max(1, width - labelWidth - 4);
    const value = displayText(f.value);
    const over = textWidth(value) - room;
    const shown = over > 0 ? `…${dropColumns(value, over + 1)}` : value;
    rows.push([
      {
        text: `${focused ? '▸' : ' '} ${f.label}:`.padEnd(labelWidth + 1),
        bold: focused,
        colour: focused ? theme.focus : undefined,
      },
      { text: shown },
      { text: focused ? '▏' : '', colour: theme.accent },
    ]);
  });
  rows.push([]);
  if (busy) rows.push([{ text: 'sending…', colour: theme.text.dim }]);
  else if (error)
    for (const line of wrapText(`refused: ${error}`, width))
      rows.push([{ text: line, colour: theme.notice.error }]);
  rows.push([
    {
      text: fields.length > 1 ? 'tab next field · enter submit · esc cancel' : 'enter submit · esc cancel',
      colour: theme.text.dim,
    },
  ]);
  const title = purpose.kind === 'new-task' ? 'new task' : `block ${purpose.taskId}`;
  return <Pane title={title} focused width={width} height={height} rows={rows} />;
}
