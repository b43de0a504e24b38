// A member of the abuse team works through abuse mail in a browser: the inbox lists the mail
// nobody could read by machine, the agent turns one into a report (after a mistake the form
// points out), lands on its case, and on another case sees the events a feedback loop sent.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { hoursAgo, INVENTORY_CSV, unique } from '../blackbox/lib/fixtures.mjs';
import { sleep, startVigie } from '../blackbox/lib/vigie.mjs';
import { launchBrowser, openPage } from './lib/browser.mjs';

let vigie;
let browser;

before(async () => {
  vigie = await startVigie({ inventoryCsv: INVENTORY_CSV, staff: true });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (vigie) await vigie.stop();
});

// A person writing in their own words: no machine format, so it waits for a person.
function freeTextMail(subject, seen) {
  return [
    'From: Jeanne Martin <jeanne@example.test>',
    'To: abuse@vigie.test',
    `Subject: ${subject}`,
    `Message-ID: <${unique('ft')}@example.test>`,
    `Date: ${new Date().toUTCString()}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Bonjour,',
    `le site http://192.0.2.20/banque/login.php imite ma banque, vu le ${seen.toUTCString()}.`,
    'Merci de faire le nécessaire.',
    '',
  ].join('\r\n');
}

// An RFC 5965 feedback report about `sourceIp`, as a mailbox provider's loop sends it.
function feedbackMail(sourceIp, arrival) {
  return [
    'From: Feedback Loop <fbl@mailbox.test>',
    'To: abuse@vigie.test',
    'Subject: complaint about your customer',
    `Message-ID: <${unique('fbl')}@mailbox.test>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="arf"',
    '',
    '--arf',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `An email abuse report for a message received from ${sourceIp}.`,
    '',
    '--arf',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'User-Agent: LoopMaster/2.1',
    'Version: 1',
    `Source-IP: ${sourceIp}`,
    `Arrival-Date: ${arrival.toUTCString()}`,
    '',
    '--arf',
    'Content-Type: message/rfc822',
    '',
    'From: promo@shop.test',
    'To: victim@mailbox.test',
    'Subject: Cheap watches',
    `Message-ID: <${unique('orig')}@mailer.test>`,
    `Date: ${arrival.toUTCString()}`,
    '',
    'Buy now.',
    '--arf--',
    '',
  ].join('\r\n');
}

// Posts a mail through the staff API and waits until it has been read; returns the mail.
async function postMail(raw) {
  const stored = await vigie.request('POST', '/api/v1/mail', {
    body: raw,
    token: vigie.staffToken,
    headers: { 'content-type': 'message/rfc822' },
  });
  assert.equal(stored.status, 202, stored.describe());
  const { id } = stored.json();
  const deadline = Date.now() + 30000;
  for (;;) {
    const res = await vigie.get(`/api/v1/mail/${id}`, { token: vigie.staffToken });
    const mail = res.json();
    if (mail.state !== 'pending') return mail;
    if (Date.now() > deadline) throw new Error(`mail ${id} was not read within 30 s`);
    await sleep(200);
  }
}

async function signIn(page) {
  await page.goto(vigie.url('/desk/mail'));
  await page.waitForURL(/\/desk\/login/);
  await page.locator('#email').fill(vigie.staffEmail);
  await page.locator('#password').fill(vigie.staffPassword);
  await Promise.all([page.waitForURL(/\/desk\/?(\?.*)?$/), page.locator('form [type="submit"]').first().click()]);
}

const day = (date) => date.toISOString().slice(0, 10);

describe('abuse mail on the desk', () => {
  test('make a report from a mail nobody could read by machine', async () => {
    const subject = `site de phishing ${unique('inbox')}`;
    const mail = await postMail(freeTextMail(subject, hoursAgo(5)));
    assert.equal(mail.state, 'needs_human', `the free-text mail was read as ${mail.state}`);

    const { context, page, problems } = await openPage(browser);
    try {
      await signIn(page);

      // The navigation counts the mail waiting; the inbox lists it.
      const nav = page.locator('#nav-inbox');
      assert.match(await nav.innerText(), /[1-9]/, 'the inbox link counts no waiting mail');
      await nav.click();
      await page.waitForURL(/\/desk\/mail$/);
      const row = page.locator(`tr.mail-row:has(a[href="/desk/mail/${mail.id}"])`);
      await assert.doesNotReject(row.waitFor(), `mail ${mail.id} is not in the inbox`);
      assert.ok((await row.innerText()).includes(subject), 'the inbox row lacks the subject');
      await row.locator('a.mail-link').click();
      await page.waitForURL(new RegExp(`/desk/mail/${mail.id}$`));

      // The facts, a download link, and the form prefilled from what the reader found.
      const download = page.locator('#mail-download');
      assert.equal(await download.getAttribute('href'), `/desk/mail/${mail.id}/raw`);
      assert.equal(await download.getAttribute('download'), '');
      const raw = await page.request.get(vigie.url(`/desk/mail/${mail.id}/raw`));
      assert.equal(raw.headers()['content-type'], 'application/octet-stream');
      assert.match(raw.headers()['content-disposition'] ?? '', /^attachment/);
      assert.ok(!(await page.content()).includes('Merci de faire'), 'the message body is shown');

      const form = page.locator('form#mail-report');
      await form.waitFor();
      const candidates = form.locator('input[name="target"]');
      assert.ok(await candidates.count() > 0, 'no candidate target offered');
      const values = await candidates.evaluateAll((boxes) => boxes.map((b) => [b.value, b.checked]));
      assert.ok(values.some(([value, checked]) => value.includes('192.0.2.20') && checked),
        `candidates: ${JSON.stringify(values)}`);
      assert.equal(await form.locator('#acknowledge').isChecked(), false, 'acknowledgement ticked by default');

      // A mistake first: a line that is no target. The form says so beside the field.
      await form.locator('#abuse_type').selectOption('phishing');
      await form.locator('#more_targets').fill('not a target!!');
      await form.locator('#abuse_date').fill(day(hoursAgo(5)));
      await form.locator('#abuse_time').fill('10:15');
      await form.locator('#abuse_zone').selectOption('Europe/Paris');
      const note = `Phishing kit imitating a bank ${unique('note')}`;
      await form.locator('#description').fill(note);
      await form.locator('[type="submit"]').click();
      await page.waitForLoadState('load');
      const error = page.locator('#error-targets');
      await assert.doesNotReject(error.waitFor(), 'no error beside the targets');
      assert.match(await error.innerText(), /not a target!!/);
      assert.equal(await page.locator('#more_targets').inputValue(), 'not a target!!');
      assert.equal(await page.locator('#description').inputValue(), note, 'the note was lost');
      assert.equal(await page.locator('#abuse_zone').inputValue(), 'Europe/Paris');

      // Corrected, the report is made and the agent lands on its case.
      await page.locator('#more_targets').fill('');
      await page.locator('form#mail-report [type="submit"]').click();
      await page.waitForURL(/\/desk\/cases\/\d+$/);
      const caseId = Number(/\/desk\/cases\/(\d+)$/.exec(page.url())[1]);
      assert.ok((await page.content()).includes(note), 'the case page lacks the note');

      const handled = (await vigie.get(`/api/v1/mail/${mail.id}`, { token: vigie.staffToken })).json();
      assert.equal(handled.state, 'handled');
      const full = await vigie.getCase(caseId);
      const report = full.reports.find((r) => r.id === handled.report_id);
      assert.ok(report, `case ${caseId} does not hold report ${handled.report_id}`);
      assert.equal(report.channel, 'mail');
      assert.equal(report.abuse_type, 'phishing');
      assert.equal(report.raw_type, 'message/rfc822');
      assert.equal(report.reporter.email, '', 'an acknowledgement was asked for without the box');
      assert.equal(report.observed_zone, 'Europe/Paris');

      // Back on the mail, the form has given way to a link to the case.
      await page.goto(vigie.url(`/desk/mail/${mail.id}`));
      await page.locator('#mail-handled').waitFor();
      assert.equal(await page.locator('form#mail-report').count(), 0);
      assert.equal(await page.locator(`#mail-handled a[href="/desk/cases/${caseId}"]`).count() > 0, true);
      assert.deepEqual(problems, [], 'the browser reported errors (CSP refusals or script errors)');
    } finally {
      await context.close();
    }
  });

  test('a case fed by a feedback loop lists its events, each with its mail', async () => {
    const mail = await postMail(feedbackMail('192.0.2.21', hoursAgo(3)));
    assert.equal(mail.state, 'parsed', `the feedback report was read as ${mail.state}: ${mail.reason}`);
    const cases = await vigie.listCases();
    let caseId;
    for (const summary of cases) {
      const full = await vigie.getCase(summary.id);
      if ((full.events ?? []).some((e) => e.mail_id === mail.id)) caseId = summary.id;
    }
    assert.ok(caseId, `no case holds an event of mail ${mail.id}`);

    const { context, page, problems } = await openPage(browser);
    try {
      await signIn(page);
      await page.goto(vigie.url(`/desk/cases/${caseId}`));
      const events = page.locator('#events');
      await events.waitFor();
      assert.match(await page.locator('#event-count').innerText(), /^\d+ /);
      const row = events.locator(`tr.event-row:has(a[href="/desk/mail/${mail.id}/raw"])`).first();
      await assert.doesNotReject(row.waitFor(), 'no event row links the mail download');
      const text = await row.innerText();
      assert.ok(text.includes('192.0.2.21'), `the row lacks the target:\n${text}`);
      assert.ok(text.includes('fbl@mailbox.test'), `the row lacks the sender:\n${text}`);
      assert.match(text, /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)/, `no RFC 3339 time:\n${text}`);
      assert.equal(await row.locator(`a[href="/desk/mail/${mail.id}/raw"]`).getAttribute('download'), '');

      // The mail behind the event: read by machine, so no report form.
      await row.locator(`a[href="/desk/mail/${mail.id}"]`).click();
      await page.waitForURL(new RegExp(`/desk/mail/${mail.id}$`));
      assert.equal(await page.locator('form#mail-report').count(), 0);
      const read = await page.locator('#read-events').innerText();
      assert.ok(read.includes('192.0.2.21'), `the events read are not listed:\n${read}`);
      assert.deepEqual(problems, [], 'the browser reported errors (CSP refusals or script errors)');
    } finally {
      await context.close();
    }
  });
});
