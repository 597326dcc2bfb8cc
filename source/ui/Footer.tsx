/**
 * The footer: the keys live in the current mode and pane, generated from the binding table, as
 * many as fit.
 */
import React from 'react';
import { footerBindings, keyLabel, type KeyContext } from './keys/bindings.js';
import { Lines, type Row, type Segment } from './Lines.js';
import { useTheme } from './theme.js';

/** Props of Footer. */
export interface FooterProps {
  readonly context: KeyContext;
  readonly width: number;
  /** Replaces the key list (e.g. while attached). */
  readonly message?: string;
}

/** The footer line. */
export function Footer({ context, width, message }: FooterProps): React.JSX.Element {
  const theme = useTheme();
  if (message !== undefined)
    return <Lines rows={[[{ text: message, colour: theme.notice.info }]]} width={width} height={1} />;
  const row: Segment[] = [];
  let used = 0;
  for (const binding of footerBindings(context)) {
    const short = binding.short ?? '';
    const entry = `${keyLabel(binding)} ${short}`;
    if (used + entry.length + 2 > width) break;
    row.push(
      { text: keyLabel(binding), colour: theme.text.key, bold: true },
      { text: ` ${short}  `, colour: theme.text.dim },
    );
    used += entry.length + 2;
  }
  const rows: Row[] = [row];
  return <Lines rows={rows} width={width} height={1} />;
}
