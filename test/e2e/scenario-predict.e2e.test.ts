/**
 * End to end, Predict mode in the scenario player: browser mode served for real, in headless Debian
 * Chromium. A trainer's link (?scenario=trapezoid&predict=1) opens the trapezoid in Predict mode;
 * the student answers the first question right and the next one wrong with the keyboard only
 * (arrows choose in the radio group, Enter answers): each time the result and its why are shown
 * (announced), the message is revealed, the score counts, the scenario list shows it, and Reset
 * scores forgets it. Screenshots (light and dark) under test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { servePage, shootThemes, type ServedPage } from '../helpers/chromium';

const chromiumPath = requirePeer('chromium');

describe.skipIf(!chromiumPath)('Predict mode in the scenario player, in Chromium', () => {
  let served: ServedPage;
  let page: Page;

  beforeAll(async () => {
    served = await servePage(chromiumPath as string);
    page = served.page;
    await page.goto(`${served.server.url}?scenario=trapezoid&predict=1`);
  });

  afterAll(async () => {
    await served?.close();
  });

  const counter = (): ReturnType<Page['getByTestId']> => page.getByTestId('step-counter');
  const checked = (): Promise<string> =>
    page.locator('[data-testid="predict-choices"] label:has(input:checked)').innerText();
  /** Moves the selection with the arrow keys until `want(label)`; answers with Enter. */
  const answerWithKeys = async (want: (label: string) => boolean): Promise<string> => {
    const n = await page.locator('[data-testid="predict-choices"] input').count();
    for (let i = 0; i < n && !want(await checked()); i++) await page.keyboard.press('ArrowDown');
    const label = await checked();
    expect(want(label), label).toBe(true);
    await page.keyboard.press('Enter');
    return label;
  };

  it("a trainer's link opens the scenario in Predict mode, the first question asked and focused", async () => {
    await expect.poll(() => counter().textContent(), { timeout: 30_000 }).toMatch(/^1 \/ 22$/);
    expect(await page.getByTestId('predict-toggle').getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => page.getByTestId('predict-choices').count(), { timeout: 20_000 }).toBe(1);
    expect(await page.getByRole('button', { name: 'Play' }).isDisabled()).toBe(true);
    // the keys go to the radio group: its checked radio has the focus
    await expect.poll(() => page.locator('input[type=radio]:focus').count()).toBe(1);
    // Next does not reveal the message before the question is answered; the n key goes back to it
    await page.getByRole('button', { name: 'Next message' }).click();
    expect(await counter().textContent()).toBe('1 / 22');
    expect(await page.locator('input[type=radio]:focus').count()).toBe(0);
    await page.keyboard.press('n');
    await expect.poll(() => page.locator('input[type=radio]:focus').count()).toBe(1);
    expect(await counter().textContent()).toBe('1 / 22');
  });

  it('a right answer with the keyboard: ✓, why, the message revealed, score 1/1', async () => {
    await answerWithKeys((l) => l === 'biloxi.example.com → Bob: 200 OK (REGISTER)');
    const result = page.getByTestId('predict-result');
    await expect.poll(() => result.textContent()).toMatch(/✓ Right\./);
    expect(await result.getAttribute('aria-live')).toBe('polite');
    expect(await result.textContent()).toMatch(
      /biloxi\.example\.com's routing script: request_route on REGISTER/,
    );
    expect(await result.textContent()).toMatch(/RFC 3261 §10\.3/);
    expect(await counter().textContent()).toBe('2 / 22');
    expect(await page.getByTestId('predict-score').textContent()).toMatch(/Score 1\/1/);
  });

  it('a wrong answer: ✗, the right one and why (explain.ts, the step that sent it), score 1/2 in the list', async () => {
    // the next question is focused again: keys only
    await expect.poll(() => page.locator('input[type=radio]:focus').count()).toBe(1);
    const picked = await answerWithKeys((l) => l !== 'Alice → atlanta.example.com: INVITE');
    expect(picked).not.toBe('Alice → atlanta.example.com: INVITE');
    const result = page.getByTestId('predict-result');
    await expect.poll(() => result.textContent()).toMatch(/✗ Not quite\./);
    expect(await result.textContent()).toMatch(/The answer: Alice → atlanta\.example\.com: INVITE/);
    expect(await result.textContent()).toMatch(/Sets up a session/);
    expect(await result.textContent()).toMatch(
      /Sent by Alice's scenario step: call sip:bob@biloxi\.example\.com/,
    );
    expect(await counter().textContent()).toBe('3 / 22');
    expect(await page.getByTestId('predict-score').textContent()).toMatch(/Score 1\/2/);
    await expect.poll(() => page.getByTestId('library-badge').textContent()).toBe('1/2');
    // the theme key is not taken from a radio button: the focus leaves the question for the shots
    await page.locator('input[type=radio]:focus').blur();
    await shootThemes(page, 'scenario-predict');
  });

  it('Reset scores forgets them (the list too); Predict off steps freely again', async () => {
    await page.getByTestId('predict-reset').click();
    await expect.poll(() => page.getByTestId('predict-score').textContent()).toMatch(/Score 0\/0/);
    expect(await page.getByTestId('library-badge').count()).toBe(0);
    await page.getByTestId('predict-toggle').click();
    expect(await page.getByTestId('predict').count()).toBe(0);
    await page.getByRole('button', { name: 'Next message' }).click();
    expect(await counter().textContent()).toBe('4 / 22');
    expect(served.errors).toEqual([]);
  });
});
