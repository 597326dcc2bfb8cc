/**
 * The task table of `nightshift task list` (one-shot, not the board).
 */
import React from 'react';
import { Table } from '@alcalzone/ink-table';

/** One row of the task table, already formatted. */
export interface TaskRow {
  readonly [key: string]: string;
  readonly id: string;
  readonly status: string;
  readonly pri: string;
  readonly deps: string;
  readonly tries: string;
  readonly tokens: string;
  readonly cost: string;
  readonly agent: string;
  readonly title: string;
}

/** Props of TaskTable. */
export interface TaskTableProps {
  readonly rows: readonly TaskRow[];
}

/** A bordered table of tasks. */
export function TaskTable({ rows }: TaskTableProps): React.JSX.Element {
  return (
    <Table
      data={[...rows]}
      columns={['id', 'status', 'pri', 'deps', 'tries', 'tokens', 'cost', 'agent', 'title']}
    />
  );
}
