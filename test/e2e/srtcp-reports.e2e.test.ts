/**
 * End to end, an SRTP call's RTCP in Chromium: both ends' SRTCP (SR with a report block, SDES CNAME,
 * BYE; protected with each sender's a=crypto key, test/helpers/srtcp-capture.ts) is decrypted with the
 * SDP's keys, and the stream clicked on the ladder shows its "Reports (RTCP)" section — the receiver's
 * reports, the round trip, the sender's CNAME — as a plain call's would (20 ms of round trip, the E-model's delay half of it). Screenshots, light and dark,
 * under test-results/screenshots/ (srtcp-reports*.png).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { parseSdesCrypto, SrtpSession, type SdesCrypto } from '../../src/sip-core/media/srtp';
import { nodeSrtpCrypto } from '../../src/sip-core/media/srtp-crypto.node.js';
import { requirePeer } from '../helpers/peers';
import { appNav, buildRenderer, servePage, shootThemes, type ServedPage } from '../helpers/chromium';
import { rtcpOf, srtcpCallPcap } from '../helpers/srtcp-capture';

const chromiumPath = requirePeer('chromium');
const CALLER = 'AES_CM_128_HMAC_SHA1_32 inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk';
const CALLEE = 'AES_CM_128_HMAC_SHA1_32 inline:MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0';

describe.skipIf(!chromiumPath)("an SRTP call's SRTCP reports, in Chromium", () => {
  let served: ServedPage;
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), 'sipscope-srtcp-e2e-'));
  const file = join(dir, 'srtcp.pcap');

  beforeAll(async () => {
    const protect = (key: string, packets: readonly Uint8Array[]): Uint8Array[] => {
      const s = new SrtpSession(parseSdesCrypto(key) as SdesCrypto, nodeSrtpCrypto);
      return packets.map((p) => s.protectRtcp(p));
    };
    const plain = rtcpOf();
    writeFileSync(
      file,
      srtcpCallPcap('RTP/SAVP', CALLER, CALLEE, protect(CALLER, plain.caller), protect(CALLEE, plain.callee)),
    );
    served = await servePage(chromiumPath as string, { webRoot: buildRenderer('srtcp-reports') });
    page = served.page;
    await page.goto(served.server.url);
  }, 180_000);

  afterAll(async () => {
    await served?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const { showLadder, calls, mediaArrows } = appNav(() => page);

  it("shows the receiver's reports, the round trip and the sender's CNAME of the SRTP stream", async () => {
    await served.host.openPath(file, { remember: false });
    await expect.poll(() => calls().count(), { timeout: 20_000 }).toBe(1);
    await calls().first().click();
    await showLadder();
    await expect.poll(() => mediaArrows().count(), { timeout: 10_000 }).toBe(2);
    let text = '';
    for (let i = 0; i < 2 && !text.includes('u1111@'); i++) {
      await mediaArrows().nth(i).click();
      const reports = page.getByTestId('stream-reports');
      await expect.poll(() => reports.count()).toBe(1);
      text = (await reports.textContent()) ?? '';
    }
    // The caller's stream: the callee's 3 reports about it (last: 3.9% lost), its SRs and CNAME.
    expect(text).toContain('Reports (RTCP)');
    expect(text).toMatch(/Fraction lost\s*3\.9%/);
    expect(text).toMatch(/CNAME\s*u1111@10\.9\.0\.1/);
    expect(await page.getByTestId('stream-rtt').textContent()).toMatch(/20 ms \/ 20 ms \/ 20 ms/);
    // The E-model's delay is half the SRTCP round trips (before: no reports, no delay measured).
    expect(text).toMatch(/One-way delay\s*10 ms/);
    await page.getByTestId('stream-reports').scrollIntoViewIfNeeded();
    await shootThemes(page, 'srtcp-reports');
  });

  it('logged no errors in the page', () => {
    expect(served.errors).toEqual([]);
  });
});
