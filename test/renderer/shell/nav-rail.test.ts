/**
 * The side bar: labelled when the window is wide, compact (icon and short label, the full name kept
 * as the button's name) below 1560 px unless the user widened it; the choice is remembered; the
 * compact bar lists recent captures in a menu.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render } from '@testing-library/svelte';
import NavRail from '../../../src/renderer/src/lib/shell/NavRail.svelte';
import type { AppState } from '../../../src/renderer/src/lib/app-state.svelte';

function fakeApp(): AppState & { opened: string[] } {
  const opened: string[] = [];
  // Only what the rail reads and calls (a whole AppState needs a service client).
  return {
    area: 'calls',
    recent: [
      { path: '/captures/a.pcap', name: 'a.pcap' },
      { path: '/captures/b.pcapng', name: 'b.pcapng' },
    ],
    openRecent: (p: string) => opened.push(p),
    opened,
  } as unknown as AppState & { opened: string[] };
}

function setWidth(px: number): void {
  Object.defineProperty(window, 'innerWidth', { configurable: true, value: px });
}

afterEach(() => {
  localStorage.clear();
  setWidth(1024);
});

describe('NavRail', () => {
  it('is compact in a window narrower than 1560 px, with the areas named in full', () => {
    setWidth(1400);
    const { getByRole } = render(NavRail, { app: fakeApp() });
    const nav = getByRole('navigation', { name: 'Areas' });
    expect(nav.style.width).toBe('64px');
    const calls = getByRole('button', { name: 'Captures & calls' });
    expect(calls.textContent?.trim()).toBe('Calls');
    expect(calls.title).toBe('Captures & calls (1)');
    expect(calls.getAttribute('aria-current')).toBe('page');
  });

  it('is labelled in a wide window, with the recent captures listed', () => {
    setWidth(1700);
    const app = fakeApp();
    const { getByRole, getByText } = render(NavRail, { app });
    expect(getByRole('navigation').style.width).toBe('176px');
    expect(getByRole('button', { name: /Ladder/ }).textContent?.replace(/\s+/g, '')).toBe('Ladder2');
    getByText('Recent');
    expect(getByRole('button', { name: 'b.pcapng' }).title).toBe('/captures/b.pcapng');
  });

  it('remembers the width the user chose, whatever the window', async () => {
    setWidth(1400);
    const first = render(NavRail, { app: fakeApp() });
    await fireEvent.click(first.getByRole('button', { name: 'Widen the side bar' }));
    expect(first.getByRole('navigation').style.width).toBe('176px');
    first.unmount();
    const again = render(NavRail, { app: fakeApp() });
    expect(again.getByRole('navigation').style.width).toBe('176px');
    await fireEvent.click(again.getByRole('button', { name: 'Narrow the side bar' }));
    again.unmount();
    setWidth(1900);
    const wide = render(NavRail, { app: fakeApp() });
    expect(wide.getByRole('navigation').style.width).toBe('64px');
  });

  it('opens a recent capture from the compact bar’s menu', async () => {
    setWidth(1200);
    const app = fakeApp();
    const { getByRole, queryByRole } = render(NavRail, { app });
    expect(queryByRole('menu')).toBeNull();
    const button = getByRole('button', { name: 'Recent captures' });
    await fireEvent.click(button);
    expect(button.getAttribute('aria-expanded')).toBe('true');
    await fireEvent.click(getByRole('menuitem', { name: 'b.pcapng' }));
    expect(app.opened).toEqual(['/captures/b.pcapng']);
    expect(queryByRole('menu')).toBeNull();
  });

  it('closes the recent menu on Escape', async () => {
    setWidth(1200);
    const { getByRole, queryByRole } = render(NavRail, { app: fakeApp() });
    await fireEvent.click(getByRole('button', { name: 'Recent captures' }));
    getByRole('menu');
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(queryByRole('menu')).toBeNull();
    vi.restoreAllMocks();
  });
});
