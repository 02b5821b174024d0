// The demo page of dev mode, end to end: ./scripts/dev's main class (DevMain) against the test broker, a real
// headless Chromium (Debian's) driven by playwright-core, notifications published to Kafka.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { freePort, notifications, publisher, startRelay, testBroker, uniqueName, waitFor } from './harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = process.env.DEMO_SCREENSHOT ?? '/tmp/notify-relay-demo.png';

describe('demo page (dev mode)', () => {
  let dev;
  let browser;
  let kafka;
  let base;

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
    }
    const broker = await testBroker();
    const topic = uniqueName('demo');
    const port = await freePort();
    // DevMain creates the topic itself, as ./scripts/dev does
    dev = await startRelay({
      bootstrap: broker.bootstrap, topic, group: uniqueName('group'), port, module: 'relay-dev',
      main: 'io.notifyrelay.dev.DevMain',
      env: { RELAY_JWT_SECRET: undefined, RELAY_DEV_PARTITIONS: '3', RELAY_ADVERTISED_URL: `ws://127.0.0.1:${port}/v1/ws` },
    });
    base = dev.httpUrl;
    kafka = await publisher(broker.bootstrap, topic);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run'],
    });
  });

  after(async () => {
    await browser?.close();
    await kafka?.close();
    await dev?.stop();
  });

  test('./scripts/dev prints the demo URL', async () => {
    const line = await dev.waitForLine(/Demo page\s+http:\/\/localhost:\d+\/demo\//, 10_000);
    assert.match(line, new RegExp(`http://localhost:${dev.port}/demo/\\?lob=faber-college`));
  });

  test('choose a LOB, connect, and a published notification appears with its type and state', async (t) => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 720 } });
    t.after(() => page.close());
    const problems = [];
    page.on('pageerror', (error) => problems.push(error.message));

    await page.goto(`${base}/demo/`);
    assert.equal(await page.getAttribute('#status', 'data-status'), 'offline');
    const lob = uniqueName('lob');
    await page.fill('#lob', lob);
    await page.click('#connect');
    await page.waitForSelector('#status[data-status="live"]', { timeout: 20_000 });

    const alice = randomUUID();
    const issued = await kafka.publish(lob, alice, notifications.issuance(alice, 'credential-issued'));
    await kafka.publish(uniqueName('other-lob'), alice, notifications.connection(alice, 'declined-invitation'));
    const row = page.locator(`tr.event[data-event-id="${issued.id}"]`);
    await row.waitFor({ timeout: 20_000 });
    assert.equal(await row.getAttribute('data-type'), 'ISSUANCE_RESPONSE');
    assert.equal(await row.getAttribute('data-state'), 'credential-issued');
    const text = await row.innerText();
    assert.match(text, /Issuance/);
    assert.match(text, /credential-issued/);
    assert.match(text, /Alice Agent/);
    assert.match(text, new RegExp(alice));

    const verified = await kafka.publish(lob, alice, notifications.verification(alice, 'success', 'true'));
    const second = page.locator(`tr.event[data-event-id="${verified.id}"]`);
    await second.waitFor({ timeout: 20_000 });
    assert.match(await second.innerText(), /Verification[\s\S]*success[\s\S]*verified ✓/);

    // the page's own "Publish sample" button goes through Kafka too
    await page.selectOption('#sample-type', 'CONNECTION_RESPONSE');
    await page.click('#publish');
    await page.locator('tr.event[data-type="CONNECTION_RESPONSE"]').first().waitFor({ timeout: 20_000 });
    await waitFor(async () => (await page.locator('tr.event').count()) === 3, { message: 'three rows' });
    assert.equal(await page.locator('tr.event').count(), 3, 'the other LOB\'s notification is not shown');

    await page.addStyleTag({ content: 'tr.event.fresh { animation: none !important; }' }); // no highlight in the picture
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    t.diagnostic(`screenshot: ${SCREENSHOT}`);
    assert.deepEqual(problems, []);
  });

  test('a contact chosen on the page: only that contact\'s notifications appear', async (t) => {
    const page = await browser.newPage();
    t.after(() => page.close());
    const lob = uniqueName('lob');
    const bob = randomUUID();
    const carol = randomUUID();
    await page.goto(`${base}/demo/?lob=${lob}&contact=${bob}`); // the URL ./scripts/dev prints connects at once
    await page.waitForSelector('#status[data-status="live"]', { timeout: 20_000 });
    await kafka.publish(lob, carol, notifications.connection(carol, 'received-invitation'));
    const mine = await kafka.publish(lob, bob, notifications.connection(bob, 'accepted-invitation'));
    await page.locator(`tr.event[data-event-id="${mine.id}"]`).waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('tr.event').count(), 1);
    assert.equal(await page.locator('tr.event').first().getAttribute('data-contact'), bob);
  });
});
