/**
 * A drop-down panel's open state, closed by a mouse press outside its root or by Escape (the calls
 * list's Columns and edits panels). Bind the root element (`bind:this={dd.root}`) and hand the two
 * handlers to `<svelte:window>`.
 */
export class Dropdown {
  open = $state(false);
  root = $state<HTMLElement | undefined>();

  readonly onmousedown = (e: MouseEvent): void => {
    if (this.open && this.root && !this.root.contains(e.target as Node)) this.open = false;
  };

  readonly onkeydown = (e: KeyboardEvent): void => {
    if (this.open && e.key === 'Escape') this.open = false;
  };
}
