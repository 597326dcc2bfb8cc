/**
 * The footer: the keys live in the current mode and pane, generated from the binding table, as
 * many as fit by priority, ending with `? more` when some did not fit (help lists them all).
 */
import React from 'react';
import { bindingsFor, footerBindings, footerKeyLabel, type KeyContext } from './keys/bindings.js';
import { Lines, type Segment } from './Lines.js';
import { textWidth } from './text.js';
import { useTheme } from './theme.js';

/** Props of Footer. */
export interface FooterProps {
  readonly context: KeyContext;
  readonly width: number;
  /** Replaces the key list (e.g. while attached). */
  readonly message?: string;
}

/** The footer line: the keys that fit, by priority, then `? help`, or `? more` when some did not fit. */
export function Footer({ context, width, message }: FooterProps): React.JSX.Element {
  const theme = useTheme();
  if (message !== undefined)
    return <Lines rows={[[{ text: message, colour: theme.notice.info }]]} width={width} height={1} />;
  const bindings = footerBindings(context);
  const help = bindingsFor(context).find((binding) => binding.action === 'help');
  const entries = bindings.map((binding) => ({ key: footerKeyLabel(binding), word: binding.short ?? '' }));
  const entryWidth = (entry: { key: string; word: string }): number =>
    textWidth(`${entry.key} ${entry.word}`) + 2;
  const all = entries.reduce((sum, entry) => sum + entryWidth(entry), 0);
  const last = help
    ? {
        key: footerKeyLabel(help),
        word: all + entryWidth({ key: '?', word: 'help' }) <= width ? 'help' : 'more',
      }
    : undefined;
  const room = width - (last ? entryWidth(last) : 0);
  const row: Segment[] = [];
  let used = 0;
  for (const entry of entries) {
    if (used + entryWidth(entry) > room) break;
    row.push(
      { text: entry.key, colour: theme.text.key, bold: true },
      { text: ` ${entry.word}  `, colour: theme.text.dim },
    );
    used += entryWidth(entry);
  }
  if (last)
    row.push(
      { text: last.key, colour: theme.text.key, bold: true },
      { text: ` ${last.word}`, colour: last.word === 'more' ? theme.accent : theme.text.dim },
    );
  return <Lines rows={[row]} width={width} height={1} />;
}
