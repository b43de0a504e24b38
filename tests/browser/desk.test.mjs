// A member of the abuse team signs in with the login `vigie serve --demo` prints, finds a case
// in the queue, filters it, and decides it on the case page.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { apiReport, unique } from '../blackbox/lib/fixtures.mjs';
import { sleep, startVigie } from '../blackbox/lib/vigie.mjs';
import { launchBrowser, openPage, setField } from './lib/browser.mjs';

let vigie;
let browser;
let demoLogin;

// The line `vigie serve --demo` prints once: "... login: EMAIL password: PASSWORD".
async function readDemoLogin(server) {
  const deadline = Date.now() + 10000;
  for (;;) {
    const match = /login:\s*(\S+)\s+password:\s*(\S+)/.exec(server.stdout);
    if (match) return { email: match[1], password: match[2] };
    if (Date.now() > deadline) throw new Error(`no "login: EMAIL password: PASSWORD" line on stdout:\n${server.stdout}`);
    await sleep(100);
  }
}

before(async () => {
  vigie = await startVigie({ demo: true, staff: true });
  demoLogin = await readDemoLogin(vigie);
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (vigie) await vigie.stop();
});

describe('the staff desk in a browser', () => {
  test('sign in with the demo login, filter the queue, open a case and reject it', async () => {
    // A case to work on, in the demo inventory's 192.0.2.0/24.
    const marker = unique('desk');
    const filed = await vigie.fileReport(apiReport({
      targets: ['192.0.2.44'], abuse_type: 'phishing', description: `Bank login imitation, see logs ${marker}`,
    }));
    const { summary } = await vigie.caseOfReport(filed.reference);

    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(vigie.url('/desk'));
      await page.waitForURL(/\/desk\/login/);
      await page.locator('#email').fill(demoLogin.email);
      await page.locator('#password').fill(demoLogin.password);
      await Promise.all([page.waitForURL(/\/desk\/?(\?.*)?$/), page.locator('form [type="submit"]').first().click()]);

      // The queue lists the case; the filters narrow it.
      const row = page.locator(`tr.case-row:has(a[href$="/desk/cases/${summary.id}"])`);
      await assert.doesNotReject(row.waitFor(), `case ${summary.id} is not in the queue`);
      const filters = page.locator('form[method="get" i]').filter({ has: page.locator('[name="abuse_type"]') });
      await assert.doesNotReject(filters.waitFor(), 'no GET filter form with abuse_type');
      for (const name of ['status', 'abuse_type', 'age']) {
        assert.equal(await filters.locator(`[name="${name}"]`).count() > 0, true, `no ${name} filter`);
      }
      await setField(filters, 'abuse_type', 'spam');
      await filters.locator('[type="submit"]').first().click();
      await page.waitForURL(/abuse_type=spam/);
      assert.equal(await row.count(), 0, 'a phishing case is listed under the spam filter');
      await setField(filters, 'abuse_type', 'phishing');
      await filters.locator('[type="submit"]').first().click();
      await page.waitForURL(/abuse_type=phishing/);
      await row.waitFor();

      // The case page shows the report and takes a decision.
      await row.locator(`a[href$="/desk/cases/${summary.id}"]`).first().click();
      await page.waitForURL(new RegExp(`/desk/cases/${summary.id}$`));
      assert.ok((await page.content()).includes(marker), 'the case page does not show the report description');
      const decision = page.locator('form#decision');
      await decision.locator('[name="action"]').selectOption('reject');
      await decision.locator('[name="reason"]').selectOption('insufficient_evidence');
      const message = `Please send the logs with their time zone. ${marker}`;
      await decision.locator('[name="message"]').fill(message);
      await decision.locator('[type="submit"]').first().click();
      await page.waitForLoadState('load');

      const timeline = page.locator('#timeline');
      await timeline.waitFor();
      const text = await timeline.innerText();
      assert.match(text, /reject|rejet/i, `the timeline does not list the decision:\n${text}`);
      assert.ok(text.includes(message) || text.includes('insufficient'), `the timeline lacks the decision details:\n${text}`);

      const after = await vigie.getCase(summary.id);
      assert.equal(after.status, 'rejected');
      assert.equal(after.decisions.length, 1);
      assert.deepEqual(problems, [], 'the browser reported errors (CSP refusals or script errors)');
    } finally {
      await context.close();
    }
  });

  test('a wrong password does not open the desk', async () => {
    const { context, page } = await openPage(browser);
    try {
      await page.goto(vigie.url('/desk/login'));
      await page.locator('#email').fill(demoLogin.email);
      await page.locator('#password').fill('not the password');
      await page.locator('form [type="submit"]').first().click();
      await page.waitForLoadState('load');
      assert.match(page.url(), /\/desk\/login/);
      await page.goto(vigie.url('/desk'));
      assert.match(page.url(), /\/desk\/login/);
    } finally {
      await context.close();
    }
  });
});
