// Filing a report through the API: the answer, the acknowledgement over real SMTP, the private
// status lookup, idempotent retries and the OpenAPI document.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { apiReport, INVENTORY_CSV, unique } from './lib/fixtures.mjs';
import { useServer } from './lib/suite.mjs';
import { REFERENCE_PATTERN } from './lib/vigie.mjs';

const server = useServer({ inventoryCsv: INVENTORY_CSV, staff: true, smtp: true });

describe('POST /api/v1/reports', () => {
  test('answers 201 with a reference and a status URL, and the reporter gets an acknowledgement over SMTP', async () => {
    const { vigie, sink } = server;
    const report = apiReport({ reporter: { email: 'ack-en@reporter.test' } });
    const filed = await vigie.fileReport(report);

    assert.equal(filed.exchange.header('content-type')?.split(';')[0], 'application/json');
    assert.ok(filed.token, `status_url has no token query parameter: ${filed.status_url}`);
    assert.match(filed.status_url, /^http:\/\/127\.0\.0\.1:\d+\//, 'status_url must be absolute, on the public URL');

    const [ack] = await sink.waitFor(
      (m) => m.envelope.rcptTo.includes('ack-en@reporter.test'),
      { what: 'the acknowledgement to ack-en@reporter.test' },
    );
    assert.ok(
      ack.subject.includes(filed.reference) || ack.text.includes(filed.reference),
      `acknowledgement does not name ${filed.reference}: subject=${ack.subject}\n${ack.text}`,
    );
    assert.ok(ack.text.includes(filed.token), 'acknowledgement text lacks the private status link');
    assert.match(ack.from, /abuse@vigie\.test/);
    assert.ok(ack.header('Date'), 'no Date header');
    assert.ok(ack.header('Message-ID'), 'no Message-ID header');
    assert.ok(ack.html, 'acknowledgement has no HTML part');

    // Delivery runs every second or so: give it time to (wrongly) send the same mail again.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const ids = sink.messagesTo('ack-en@reporter.test').map((m) => m.header('Message-ID'));
    assert.equal(new Set(ids).size, ids.length, `a mail was sent twice: ${ids.join(', ')}`);
  });

  test('a French report is acknowledged in French', async () => {
    const { vigie, sink } = server;
    const en = await vigie.fileReport(apiReport({ reporter: { email: 'lang-en@reporter.test' } }));
    const fr = await vigie.fileReport(
      apiReport({ language: 'fr', reporter: { email: 'lang-fr@reporter.test' } }),
    );
    const [enMail] = await sink.waitFor((m) => m.envelope.rcptTo.includes('lang-en@reporter.test'));
    const [frMail] = await sink.waitFor((m) => m.envelope.rcptTo.includes('lang-fr@reporter.test'));
    const strip = (mail, ref) => mail.text.split(ref).join('').replace(/token=[^\s&]+/g, '');
    assert.notEqual(strip(frMail, fr.reference), strip(enMail, en.reference), 'same text in both languages');
    const language = frMail.header('Content-Language');
    if (language) assert.match(language, /^fr/i);
    assert.doesNotMatch(frMail.subject + frMail.text, /\bthank you\b|\byour report\b/i);
  });

  test('without an Idempotency-Key, two identical posts are two reports', async () => {
    const { vigie } = server;
    const report = apiReport();
    const first = await vigie.fileReport(report);
    const second = await vigie.fileReport(report);
    assert.notEqual(first.reference, second.reference);
  });
});

describe('Idempotency-Key', () => {
  test('the same key and body give the same reference', async () => {
    const { vigie } = server;
    const key = unique('idem');
    const report = apiReport();
    const first = await vigie.postReport(report, { idempotencyKey: key });
    assert.equal(first.status, 201, first.describe());
    const again = await vigie.postReport(report, { idempotencyKey: key });
    assert.ok([200, 201].includes(again.status), `retry: ${again.describe()}`);
    assert.equal(again.json().reference, first.json().reference, again.describe());
  });

  test('the same key with another body is refused', async () => {
    const { vigie } = server;
    const key = unique('idem');
    const first = await vigie.postReport(apiReport(), { idempotencyKey: key });
    assert.equal(first.status, 201, first.describe());
    const other = await vigie.postReport(apiReport({ abuse_type: 'spam' }), { idempotencyKey: key });
    assert.ok([409, 422].includes(other.status), `reused key, new body: ${other.describe()}`);
  });

  test('different keys give different reports', async () => {
    const { vigie } = server;
    const report = apiReport();
    const a = await vigie.postReport(report, { idempotencyKey: unique('idem') });
    const b = await vigie.postReport(report, { idempotencyKey: unique('idem') });
    assert.equal(a.status, 201, a.describe());
    assert.equal(b.status, 201, b.describe());
    assert.notEqual(a.json().reference, b.json().reference);
  });
});

describe('GET /api/v1/reports/{reference}', () => {
  test('shows the status with the private token', async () => {
    const { vigie } = server;
    const filed = await vigie.fileReport(apiReport());
    const res = await vigie.get(`/api/v1/reports/${filed.reference}`, { token: filed.token });
    assert.equal(res.status, 200, res.describe());
    const body = res.json();
    assert.equal(body.reference, filed.reference, res.describe());
    assert.ok(body.status !== undefined, `no status member: ${res.describe()}`);
  });

  test('hides the report without a token, with a wrong one, or with another report\'s token', async () => {
    const { vigie } = server;
    const filed = await vigie.fileReport(apiReport());
    const other = await vigie.fileReport(apiReport());

    const none = await vigie.get(`/api/v1/reports/${filed.reference}`);
    assert.ok([401, 403, 404].includes(none.status), `no token: ${none.describe()}`);
    assert.doesNotMatch(none.text, new RegExp(filed.reference.slice(3)), `no token leaks data: ${none.describe()}`);

    const wrong = await vigie.get(`/api/v1/reports/${filed.reference}`, { token: 'x'.repeat(32) });
    assert.equal(wrong.status, 404, `wrong token: ${wrong.describe()}`);

    const crossed = await vigie.get(`/api/v1/reports/${filed.reference}`, { token: other.token });
    assert.equal(crossed.status, 404, `another report's token: ${crossed.describe()}`);

    const unknown = await vigie.get('/api/v1/reports/VG-0000000000', { token: filed.token });
    assert.equal(unknown.status, 404, `unknown reference: ${unknown.describe()}`);
  });

  test('the status link from the answer opens a page', async () => {
    const { vigie } = server;
    const filed = await vigie.fileReport(apiReport());
    const url = new URL(filed.status_url, server.vigie.baseUrl);
    const res = await vigie.get(url.pathname + url.search, { headers: { accept: 'text/html' } });
    assert.equal(res.status, 200, res.describe());
    assert.ok(res.text.includes(filed.reference), `status page lacks the reference: ${res.describe()}`);
  });
});

describe('service endpoints', () => {
  test('GET /healthz answers 200', async () => {
    const res = await server.vigie.get('/healthz');
    assert.equal(res.status, 200, res.describe());
  });

  test('GET /api/v1/openapi.json is an OpenAPI 3 document describing the report and case endpoints', async () => {
    const res = await server.vigie.get('/api/v1/openapi.json');
    assert.equal(res.status, 200, res.describe());
    assert.match(res.header('content-type') ?? '', /json/);
    const doc = res.json();
    assert.match(String(doc.openapi), /^3\./, `openapi member: ${doc.openapi}`);
    assert.ok(doc.info?.title, 'info.title');
    const paths = Object.keys(doc.paths ?? {});
    const has = (suffix) => paths.some((p) => p.endsWith(suffix));
    assert.ok(has('/reports'), `no /reports path in ${paths.join(', ')}`);
    assert.ok(paths.some((p) => /\/reports\/\{[^}]+\}$/.test(p)), `no /reports/{reference} in ${paths.join(', ')}`);
    assert.ok(has('/cases'), `no /cases path in ${paths.join(', ')}`);
    assert.ok(paths.some((p) => /\/cases\/\{[^}]+\}\/decisions$/.test(p)), `no decisions path in ${paths.join(', ')}`);
  });

  test('references look like VG- and ten Crockford base32 characters', async () => {
    const filed = await server.vigie.fileReport(apiReport());
    assert.match(filed.reference, new RegExp(`^${REFERENCE_PATTERN.source}$`));
  });
});
