/**
 * End to end, Predict mode in the scenario player: browser mode served for real, in headless Debian
 * Chromium. A trainer's link (?scenario=trapezoid&predict=1) opens the trapezoid in Predict mode;
 * the student answers the first question right and the next one wrong with the keyboard only
 * (arrows choose in the radio group, Enter answers): each time the result and its why are shown
 * (announced), the message is revealed, the score counts, the scenario list shows it, and Reset
 * scores forgets it. Then, in a browser of its own: Predict on or off is remembered (a trainer's
 * ?predict=1 still wins, for that visit only), and after a run of the dtmf scenario "Practice the
 * ones I got wrong" asks only those again, scored apart from the run, then the ones still wrong.
 * Screenshots (light and dark) under test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { requirePeer } from '../helpers/peers';
import { servePage, shootThemes, type ServedPage } from '../helpers/chromium';

const chromiumPath = requirePeer('chromium');

const checkedOn = (page: Page): Promise<string> =>
  page.locator('[data-testid="predict-choices"] label:has(input:checked)').innerText();

/** Moves the selection with the arrow keys until `want(label)`; answers with Enter. */
async function answerOn(page: Page, want: (label: string) => boolean): Promise<string> {
  const n = await page.locator('[data-testid="predict-choices"] input').count();
  for (let i = 0; i < n && !want(await checkedOn(page)); i++) await page.keyboard.press('ArrowDown');
  const label = await checkedOn(page);
  expect(want(label), label).toBe(true);
  await page.keyboard.press('Enter');
  return label;
}

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
  const answerWithKeys = (want: (label: string) => boolean): Promise<string> => answerOn(page, want);

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

describe.skipIf(!chromiumPath)('Predict remembered in the browser; practice the ones I got wrong', () => {
  let served: ServedPage;
  let page: Page;

  beforeAll(async () => {
    served = await servePage(chromiumPath as string);
    page = served.page;
  });

  afterAll(async () => {
    await served?.close();
  });

  const toggle = (): ReturnType<Page['getByTestId']> => page.getByTestId('predict-toggle');
  const stored = async (): Promise<string | null> =>
    (await page.evaluate("localStorage.getItem('sipscope.predict.on')")) as string | null;
  const open = async (query: string): Promise<void> => {
    await page.goto(`${served.server.url}${query}`);
    await expect
      .poll(() => page.getByTestId('step-counter').textContent(), { timeout: 30_000 })
      .toMatch(/ \/ 21$/);
  };
  /** "Score R/A" of the run, and the practice's when one is on. */
  const score = async (): Promise<string> =>
    (await page.getByTestId('predict-score').innerText()).replace(/\s+/g, ' ');
  const asked = async (): Promise<number> => Number(/Score \d+\/(\d+)/.exec(await score())?.[1] ?? -1);

  it('Predict on or off is remembered; ?predict=1 wins for that visit and leaves the choice as it was', async () => {
    await open('?scenario=dtmf');
    expect(await toggle().getAttribute('aria-pressed')).toBe('false'); // never set: off
    await toggle().click();
    expect(await stored()).toBe('1');
    await open('?scenario=dtmf');
    expect(await toggle().getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => page.getByTestId('predict-choices').count(), { timeout: 20_000 }).toBe(1);
    await toggle().click();
    expect(await stored()).toBe('0');
    await open('?scenario=dtmf&predict=1');
    expect(await toggle().getAttribute('aria-pressed')).toBe('true');
    expect(await stored()).toBe('0');
    await open('?scenario=dtmf');
    expect(await toggle().getAttribute('aria-pressed')).toBe('false');
  });

  /** The right answers of the questions answered wrong in the run, in order. */
  const rightOfWrong: string[] = [];
  let runScore = '';

  it('a run answered with the first choice each time, to its end: the wrong ones can be practised', async () => {
    await toggle().click();
    await expect.poll(() => page.getByTestId('predict-choices').count(), { timeout: 20_000 }).toBe(1);
    for (let n = 0; n < 200 && (await page.getByTestId('predict-choices').count()) === 1; n++) {
      const before = await asked();
      await expect.poll(() => page.locator('input[type=radio]:focus').count()).toBe(1);
      await page.keyboard.press('Enter');
      await expect.poll(asked).toBe(before + 1);
      const bad = page.locator('[data-testid="predict-result"] p.bad .mono');
      if (await bad.count()) rightOfWrong.push(await bad.innerText());
    }
    await expect.poll(() => page.getByTestId('predict-done').count()).toBe(1);
    expect(await page.getByTestId('step-counter').textContent()).toBe('21 / 21');
    runScore = /Score \d+\/\d+/.exec(await score())![0];
    const [right, all] = runScore.slice(6).split('/').map(Number) as [number, number];
    expect(all - right).toBe(rightOfWrong.length);
    expect(rightOfWrong.length).toBeGreaterThanOrEqual(2);
    const practice = page.getByTestId('predict-practice');
    expect(await practice.innerText()).toBe(`Practice the ${rightOfWrong.length} I got wrong`);
    await expect
      .poll(() => page.getByTestId('library-badge').first().textContent())
      .toBe(`✓ ${right}/${all}`);
    await shootThemes(page, 'scenario-predict-done');
  });

  it('Practice asks only those, at their message; scored apart from the run; then the ones still wrong', async () => {
    const n = rightOfWrong.length;
    await page.getByTestId('predict-practice').click();
    for (let i = 0; i < n; i++) {
      await expect
        .poll(() => page.getByTestId('predict-practice-pos').textContent())
        .toMatch(new RegExp(`^Practice ${i + 1} of ${n}`));
      await expect.poll(() => page.locator('input[type=radio]:focus').count()).toBe(1);
      // the first one wrong again, the others right
      if (i === 0) await answerOn(page, (l) => l !== rightOfWrong[0]);
      else await answerOn(page, (l) => l === rightOfWrong[i]);
      await expect
        .poll(() => page.getByTestId('predict-result').textContent())
        .toMatch(i === 0 ? /✗ Not quite\./ : /✓ Right\./);
      if (i === 0) {
        expect(await score()).toMatch(new RegExp(`^Practice 0/1 · the run: ${runScore}`));
        await page.locator('input[type=radio]:focus').blur();
        await shootThemes(page, 'scenario-predict-practice');
        await page.keyboard.press('n'); // the keys go back to the question
      }
    }
    const done = page.getByTestId('predict-practice-done');
    await expect.poll(() => done.innerText()).toMatch(`Practice done: ${n - 1}/${n} right. 1 still wrong.`);
    expect(await score()).toMatch(new RegExp(`^Practice ${n - 1}/${n} · the run: ${runScore}`));
    // the run's kept score is the run's
    expect(await page.getByTestId('library-badge').first().textContent()).toBe(`✓ ${runScore.slice(6)}`);
    await page.getByRole('button', { name: 'Practice the 1 still wrong' }).click();
    await expect
      .poll(() => page.getByTestId('predict-practice-pos').textContent())
      .toMatch(/^Practice 1 of 1/);
    await expect.poll(() => page.locator('input[type=radio]:focus').count()).toBe(1);
    await answerOn(page, (l) => l === rightOfWrong[0]);
    await expect
      .poll(() => done.innerText())
      .toMatch('Practice done: 1/1 right. All of them right this time.');
    await page.getByTestId('predict-practice-end').click();
    await expect.poll(() => page.getByTestId('predict-done').count()).toBe(1);
    expect(await page.getByTestId('step-counter').textContent()).toBe('21 / 21');
    expect(await score()).toMatch(new RegExp(`^${runScore}`));
    expect(served.errors).toEqual([]);
  });
});
