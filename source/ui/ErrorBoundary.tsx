/**
 * Catches a render error of the board and hands it to runBoard, which unmounts, restores the
 * terminal and rethrows it. Ink 6.6 only draws its own error overview and never settles
 * waitUntilExit, which would leave the user on an alternate screen with a dead board.
 */
import React from 'react';

/** Props of ErrorBoundary. */
export interface ErrorBoundaryProps {
  readonly onError: (error: Error) => void;
  readonly children: React.ReactNode;
}

/** Renders nothing once a child threw; reports the error once. */
export class ErrorBoundary extends React.Component<ErrorBoundaryProps, { readonly failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override componentDidCatch(error: Error): void {
    this.props.onError(error);
  }

  override render(): React.ReactNode {
    return this.state.failed ? null : this.props.children;
  }
}
