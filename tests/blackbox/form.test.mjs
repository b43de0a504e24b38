// The public web form over plain HTTP (no JavaScript): its fields and labels, its languages,
// errors beside the fields with the input kept, the confirmation, and the abuse time zone.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  ABUSE_TYPES, CUSTOMERS, formFields, HANDOVER, INVENTORY_CSV,
} from './lib/fixtures.mjs';
import { useServer } from './lib/suite.mjs';
import {
  decodeEntities, findTags, openReportForm, REFERENCE_PATTERN, submitReportForm, textById,
} from './lib/vigie.mjs';

const server = useServer({ inventoryCsv: INVENTORY_CSV, staff: true });

const TEXT_FIELDS = ['targets', 'abuse_date', 'abuse_time', 'abuse_zone', 'abuse_type', 'first_name', 'last_name', 'legal_form', 'company_name', 'authority_name', 'email', 'description', 'good_faith', 'share_email'];

function htmlLang(html) {
  const tag = findTags(html, 'html')[0];
  return tag ? tag.lang : undefined;
}

// The value a field shows after a re-render: an input's value or a textarea's content.
function shownValue(html, name) {
  const input = findTags(html, 'input').find((i) => i.name === name);
  if (input) return input.value ?? '';
  const textarea = new RegExp(`<textarea[^>]*name=["']?${name}["'\\s>][^>]*>([\\s\\S]*?)</textarea>`, 'i').exec(html);
  return textarea ? decodeEntities(textarea[1]) : undefined;
}

function utcDateTime(instant) {
  const iso = instant.toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
}

// `instant` as local date and time in a zone with a fixed offset of `offsetHours`.
function localDateTime(instant, offsetHours) {
  return utcDateTime(new Date(instant.getTime() + offsetHours * 3600 * 1000));
}

describe('the form page', () => {
  test('has every field, each with id == name and a label', async () => {
    const { page } = await openReportForm(server.vigie.session(), '?lang=en');
    const html = page.text;
    const controls = [...findTags(html, 'input'), ...findTags(html, 'select'), ...findTags(html, 'textarea')];
    const labels = new Set(findTags(html, 'label').map((l) => l.for).filter(Boolean));
    for (const name of TEXT_FIELDS) {
      const control = controls.find((c) => c.name === name);
      assert.ok(control, `no control named ${name}`);
      assert.equal(control.id, name, `the ${name} control has id ${control.id}`);
      assert.ok(labels.has(name), `no <label for="${name}">`);
    }
    for (const control of controls) {
      if (['hidden', 'submit', 'button'].includes(control.type) || !control.name) continue;
      assert.ok(control.id && labels.has(control.id), `control ${control.name} (${control.id}) has no label`);
    }
    const kinds = findTags(html, 'input').filter((i) => i.name === 'reporter_kind' && i.type === 'radio').map((i) => i.value);
    assert.deepEqual([...kinds].sort(), ['authority', 'legal_entity', 'person']);
    assert.equal(findTags(html, 'input').find((i) => i.name === 'abuse_date').type, 'date');
    assert.equal(findTags(html, 'input').find((i) => i.name === 'abuse_time').type, 'time');
    for (const box of ['good_faith', 'share_email']) {
      const input = findTags(html, 'input').find((i) => i.name === box);
      assert.equal(input.type, 'checkbox');
      assert.equal(input.checked, undefined, `${box} must not be ticked by default`);
    }
    assert.ok(findTags(html, 'input').some((i) => i.name === 'language' && i.type === 'hidden'));
    const options = findTags(html, 'option').map((o) => o.value);
    for (const type of ABUSE_TYPES) assert.ok(options.includes(type), `no option for abuse type ${type}`);
    assert.ok(findTags(html, 'meta').some((m) => m.name === 'viewport'), 'no viewport meta: unusable on a phone');
    assert.match(html, /PHAROS/i, 'the form does not point to PHAROS');
    assert.match(html, /Signal ?Spam/i, 'the form does not point to Signal Spam');
  });

  test('speaks French or English: Accept-Language, ?lang and the switch link', async () => {
    const { vigie } = server;
    const fr = await vigie.get('/', { headers: { 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.5' } });
    const en = await vigie.get('/', { headers: { 'accept-language': 'en-GB,en;q=0.8' } });
    const none = await vigie.get('/');
    const forced = await vigie.get('/?lang=fr', { headers: { 'accept-language': 'en' } });
    assert.match(htmlLang(fr.text) ?? '', /^fr/, fr.describe());
    assert.match(htmlLang(en.text) ?? '', /^en/, en.describe());
    assert.match(htmlLang(none.text) ?? '', /^(en|fr)/, none.describe());
    assert.match(htmlLang(forced.text) ?? '', /^fr/, forced.describe());
    assert.notEqual(textById(fr.text, 'lang-switch'), undefined, 'no #lang-switch on the French page');
    const switchLink = findTags(fr.text, 'a').find((a) => a.id === 'lang-switch');
    assert.match(switchLink?.href ?? '', /lang=en/, 'the French page should switch to English');
    const back = findTags(en.text, 'a').find((a) => a.id === 'lang-switch');
    assert.match(back?.href ?? '', /lang=fr/, 'the English page should switch to French');
    assert.equal(findTags(fr.text, 'input').find((i) => i.name === 'language')?.value, 'fr');
  });
});

describe('submitting the form', () => {
  test('a complete report gets a confirmation with the reference and a status link', async () => {
    const { vigie } = server;
    const session = vigie.session();
    const form = await openReportForm(session, '?lang=en');
    const { exchange, page, reference } = await submitReportForm(session, formFields(), form);
    assert.ok([200, 201, 303].includes(exchange.status), exchange.describe());
    assert.match(reference ?? '', new RegExp(`^${REFERENCE_PATTERN.source}$`), `#reference: ${page.describe()}`);
    const link = findTags(page.text, 'a').find((a) => a.id === 'status-link');
    assert.ok(link?.href, `no #status-link:\n${page.describe()}`);
    const url = new URL(link.href, vigie.baseUrl);
    const status = await vigie.get(url.pathname + url.search);
    assert.equal(status.status, 200, status.describe());
    assert.ok(status.text.includes(reference));
  });

  test('errors appear beside their fields, in the page language, with the input kept', async () => {
    const { vigie } = server;
    const bad = {
      targets: '192.0.2.999\nexample.com',
      abuse_date: '2026-02-30',
      abuse_time: '25:61',
      abuse_zone: 'Mars/Olympus_Mons',
      email: 'not-an-email',
      good_faith: undefined,
    };
    const results = {};
    for (const lang of ['en', 'fr']) {
      const session = vigie.session();
      const form = await openReportForm(session, `?lang=${lang}`);
      const { exchange } = await submitReportForm(session, formFields({ ...bad, language: lang }), form);
      assert.equal(exchange.status, 422, exchange.describe());
      for (const field of ['targets', 'abuse_date', 'abuse_time', 'abuse_zone', 'email', 'good_faith']) {
        const id = findTags(exchange.text, 'p')
          .filter((p) => (p.class ?? '').split(/\s+/).includes('field-error'))
          .map((p) => p.id)
          .find((pid) => pid === `error-${field}` || pid?.startsWith(`error-${field}`));
        assert.ok(id, `no <p class="field-error" id="error-${field}"> (${lang}):\n${exchange.describe()}`);
        assert.ok(textById(exchange.text, id), `empty error for ${field}`);
      }
      assert.match(shownValue(exchange.text, 'targets') ?? '', /192\.0\.2\.999/, 'targets not kept');
      assert.equal(shownValue(exchange.text, 'email'), 'not-an-email', 'email not kept');
      assert.equal(shownValue(exchange.text, 'first_name'), 'Bruno', 'first name not kept');
      assert.match(shownValue(exchange.text, 'description') ?? '', /fake bank page/, 'description not kept');
      assert.ok(!findTags(exchange.text, 'p').some((p) => p.id === 'error-description'), 'a valid field is marked wrong');
      results[lang] = textById(exchange.text, 'error-good_faith');
    }
    assert.notEqual(results.fr, results.en, 'the good-faith error reads the same in French and English');
  });

  test('a type that needs a name asks for it; child sexual abuse may be anonymous', async () => {
    const { vigie } = server;
    let session = vigie.session();
    let form = await openReportForm(session);
    const named = await submitReportForm(session, formFields({ abuse_type: 'copyright', first_name: '', last_name: '' }), form);
    assert.equal(named.exchange.status, 422, named.exchange.describe());
    assert.ok(textById(named.exchange.text, 'error-first_name') || textById(named.exchange.text, 'error-last_name'), 'no name error');

    session = vigie.session();
    form = await openReportForm(session);
    const anonymous = await submitReportForm(session, formFields({ abuse_type: 'child_sexual_abuse', first_name: '', last_name: '', email: '' }), form);
    assert.match(anonymous.reference ?? '', REFERENCE_PATTERN, anonymous.page.describe());
  });

  test('a legal entity and an authority give their own names', async () => {
    const { vigie } = server;
    for (const fields of [
      { reporter_kind: 'legal_entity', first_name: '', last_name: '', legal_form: 'SAS', company_name: 'Droits Réunis', abuse_type: 'copyright' },
      { reporter_kind: 'authority', first_name: '', last_name: '', authority_name: 'Préfecture de police', abuse_type: 'public_security' },
    ]) {
      const session = vigie.session();
      const form = await openReportForm(session);
      const result = await submitReportForm(session, formFields(fields), form);
      assert.match(result.reference ?? '', REFERENCE_PATTERN, result.page.describe());
    }
  });
});

describe('the abuse time zone', () => {
  // 192.0.2.200 changes hands at HANDOVER (12:00 UTC two days ago). Kiritimati is UTC+14 and
  // Pago Pago UTC-11 all year: their wall clocks read the other side of the handover.
  test('a local time in the reporter\'s zone is attributed at the right instant', async () => {
    const { vigie } = server;
    const cases = [
      { zone: 'Pacific/Kiritimati', offset: 14, instant: new Date(HANDOVER.getTime() - 4 * 3600e3), customer: CUSTOMERS.early.id, type: 'virus' },
      { zone: 'Pacific/Pago_Pago', offset: -11, instant: new Date(HANDOVER.getTime() + 4 * 3600e3), customer: CUSTOMERS.late.id, type: 'virus' },
    ];
    for (const c of cases) {
      const local = localDateTime(c.instant, c.offset);
      const session = vigie.session();
      const form = await openReportForm(session);
      const result = await submitReportForm(session, formFields({
        targets: '192.0.2.200', abuse_type: c.type, abuse_date: local.date, abuse_time: local.time, abuse_zone: c.zone,
      }), form);
      assert.match(result.reference ?? '', REFERENCE_PATTERN, result.page.describe());
      const { summary } = await vigie.caseOfReport(result.reference);
      assert.equal(summary.customer_id, c.customer, `${c.zone} ${local.date} ${local.time}: ${JSON.stringify(summary)}`);
    }
  });
});
