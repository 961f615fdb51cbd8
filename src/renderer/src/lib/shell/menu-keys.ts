/**
 * The keys of a pop-up menu (role="menu", its entries role="menuitem"), as the ARIA menu pattern
 * has them: the first entry focused when it opens, ↓ ↑ (wrapping), Home and End move, Escape closes
 * it and gives the focus back to the button that opened it, Tab closes it. The keys stop at the menu,
 * so the app's own ↓ ↑ (the calls and messages lists) do not act behind it.
 *
 * `use:menuKeys={close}` on the menu element; `close` sets the menu's open state to false.
 */
export function menuKeys(
  node: HTMLElement,
  close: () => void,
): { update(c: () => void): void; destroy(): void } {
  let onClose = close;
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const items = (): HTMLElement[] => [...node.querySelectorAll<HTMLElement>('[role="menuitem"]')];
  queueMicrotask(() => items()[0]?.focus());

  function onkeydown(e: KeyboardEvent): void {
    const list = items();
    if (!list.length) return;
    const at = list.indexOf(document.activeElement as HTMLElement);
    let next: number;
    if (e.key === 'ArrowDown') next = at < 0 ? 0 : (at + 1) % list.length;
    else if (e.key === 'ArrowUp') next = at < 0 ? list.length - 1 : (at - 1 + list.length) % list.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = list.length - 1;
    else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onClose();
      opener?.focus();
      return;
    } else if (e.key === 'Tab') {
      onClose();
      return;
    } else return;
    e.preventDefault();
    e.stopPropagation();
    list[next]?.focus();
  }

  node.addEventListener('keydown', onkeydown);
  return {
    update(c) {
      onClose = c;
    },
    destroy() {
      node.removeEventListener('keydown', onkeydown);
    },
  };
}
