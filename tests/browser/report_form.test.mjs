// A reporter files a report through the public form in a real browser, in French and in
// English: a first submission with mistakes is refused with the errors beside the fields and
// the input kept, the corrected one gets a reference and a working status link.
//
// VIGIE_SCREENSHOT=1 also saves the form as docs/screenshot-form.png.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { formFields, hoursAgo, INVENTORY_CSV } from '../blackbox/lib/fixtures.mjs';
import { repoRoot, REFERENCE_PATTERN, startVigie } from '../blackbox/lib/vigie.mjs';
import { launchBrowser, openPage, setField } from './lib/browser.mjs';

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

const pad = (n) => String(n).padStart(2, '0');

// The abuse seen five hours ago, as a reporter in Paris reads it on their clock.
function parisDateTime() {
  const seen = hoursAgo(5);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(seen).map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${pad(parts.hour)}:${pad(parts.minute)}` };
}

async function submit(page) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.locator('form[method="post" i] [type="submit"]').first().click(),
  ]);
  await page.waitForLoadState('load');
  return response;
}

// Fills the whole form as a person would, leaving out what `omit` names.
async function fillForm(page, { targets, description, email, omitGoodFaith }) {
  const when = parisDateTime();
  await setField(page, 'targets', targets);
  await setField(page, 'abuse_date', when.date);
  await setField(page, 'abuse_time', when.time);
  await setField(page, 'abuse_zone', 'Europe/Paris');
  await setField(page, 'abuse_type', 'phishing');
  await page.locator('input[name="reporter_kind"][value="person"]').check();
  await setField(page, 'first_name', 'Camille');
  await setField(page, 'last_name', 'Lefèvre');
  await setField(page, 'email', email);
  await setField(page, 'description', description);
  if (omitGoodFaith) await page.locator('#good_faith').uncheck();
  else await page.locator('#good_faith').check();
}

async function reportThroughForm({ lang, viaSwitch }) {
  const { context, page, problems } = await openPage(browser, { locale: lang === 'fr' ? 'fr-FR' : 'en-GB' });
  try {
    if (viaSwitch) {
      // Start in the other language and use the switch link.
      await page.goto(vigie.url(`/?lang=${lang === 'fr' ? 'en' : 'fr'}`));
      await page.locator('#lang-switch').click();
      await page.waitForLoadState('load');
    } else {
      await page.goto(vigie.url('/'));
    }
    assert.equal(await page.locator('html').getAttribute('lang').then((l) => l?.slice(0, 2)), lang);

    if (process.env.VIGIE_SCREENSHOT === '1' && lang === 'fr') {
      const file = path.join(repoRoot, 'docs', 'screenshot-form.png');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await page.screenshot({ path: file, fullPage: true });
    }

    // First try: a bad address among the targets and no good-faith box.
    const description = lang === 'fr'
      ? 'Une fausse page de connexion bancaire demande les numéros de carte.'
      : 'A fake bank login page asks visitors for their card numbers.';
    const email = `camille.${lang}@reporter.test`;
    await fillForm(page, { targets: '192.0.2.300\nhttps://example.com/login', description, email, omitGoodFaith: true });
    const refused = await submit(page);
    assert.equal(refused.status(), 422, `first submission: ${refused.status()}`);
    await assert.doesNotReject(page.locator('#error-good_faith').waitFor(), 'no error beside the good-faith box');
    const targetError = page.locator('p.field-error[id^="error-targets"]').first();
    await assert.doesNotReject(targetError.waitFor(), 'no error beside the targets');
    assert.ok((await targetError.innerText()).trim().length > 0);
    assert.match(await page.locator('#targets').inputValue(), /192\.0\.2\.300/, 'targets not kept');
    assert.equal(await page.locator('#email').inputValue(), email, 'email not kept');
    assert.equal(await page.locator('#description').inputValue(), description, 'description not kept');
    assert.equal(await page.locator('#last_name').inputValue(), 'Lefèvre', 'name not kept');
    const errorText = await page.locator('#error-good_faith').innerText();

    // Second try: corrected.
    await page.locator('#targets').fill('192.0.2.30\nhttps://example.com/login');
    await page.locator('#good_faith').check();
    await setField(page, 'abuse_zone', 'Europe/Paris');
    const accepted = await submit(page);
    assert.ok([200, 201, 303].includes(accepted.status()), `second submission: ${accepted.status()}`);
    await page.locator('#reference').waitFor();
    const reference = (await page.locator('#reference').innerText()).trim();
    assert.match(reference, new RegExp(`^${REFERENCE_PATTERN.source}$`));
    assert.equal(await page.locator('html').getAttribute('lang').then((l) => l?.slice(0, 2)), lang, 'confirmation in another language');

    await page.locator('#status-link').click();
    await page.waitForLoadState('load');
    assert.ok((await page.content()).includes(reference), 'the status page does not show the reference');

    assert.deepEqual(problems, [], 'the browser reported errors (CSP refusals or script errors)');
    return { reference, errorText };
  } finally {
    await context.close();
  }
}

describe('the public form in a browser', () => {
  const errorTexts = {};

  test('in French: a refused submission, corrected, then accepted', async () => {
    const { errorText } = await reportThroughForm({ lang: 'fr', viaSwitch: false });
    errorTexts.fr = errorText;
  });

  test('in English (through the language switch): refused, corrected, accepted', async () => {
    const { errorText } = await reportThroughForm({ lang: 'en', viaSwitch: true });
    errorTexts.en = errorText;
    if (errorTexts.fr) assert.notEqual(errorTexts.fr, errorTexts.en, 'errors are not translated');
  });

  test('on a phone-sized screen the form fits without horizontal scrolling', async () => {
    const { context, page } = await openPage(browser, { viewport: { width: 375, height: 740 }, locale: 'fr-FR' });
    try {
      await page.goto(vigie.url('/'));
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the page is ${overflow}px wider than a 375px screen`);
      for (const name of ['targets', 'email', 'description']) {
        const box = await page.locator(`#${name}`).boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= 376, `#${name} sticks out of the screen`);
      }
    } finally {
      await context.close();
    }
  });

  test('the form works with JavaScript disabled', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'en-GB' });
    const page = await context.newPage();
    try {
      await page.goto(vigie.url('/?lang=en'));
      for (const [name, value] of formFields({ targets: '198.51.100.7' })) {
        if (['good_faith', 'share_email', 'language', 'reporter_kind'].includes(name) || value === '') continue;
        await setField(page, name, value);
      }
      await page.locator('input[name="reporter_kind"][value="person"]').check();
      await page.locator('#good_faith').check();
      await submit(page);
      await page.locator('#reference').waitFor();
      assert.match(await page.locator('#reference').innerText(), REFERENCE_PATTERN);
    } finally {
      await context.close();
    }
  });
});
