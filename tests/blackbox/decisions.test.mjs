// Staff decisions through /api/v1/cases/{id}/decisions and the mail each one sends over SMTP:
// the notice to the customer, the rejection and the closure to the reporters.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { apiReport, CUSTOMERS, errorsOf, INVENTORY_CSV, unique } from './lib/fixtures.mjs';
import { useServer } from './lib/suite.mjs';

const server = useServer({ inventoryCsv: INVENTORY_CSV, staff: true, smtp: true });

function decisionOf(exchange) {
  const body = exchange.json();
  return body.decision ?? body;
}

function mentions(mail, text) {
  return mail.subject.includes(text) || mail.text.includes(text) || mail.html.includes(text);
}

describe('forward', () => {
  test('the customer gets a notice; a reporter\'s email is in it only if they opted in', async () => {
    const { vigie, sink } = server;
    const sharing = 'carol.shares@reporter.test';
    const private_ = 'dave.private@reporter.test';
    const marker = unique('notice');
    const a = await vigie.fileReport(apiReport({
      targets: ['198.51.100.10'], abuse_type: 'phishing',
      description: `Fake bank login page, first report ${marker}`,
      reporter: { email: sharing, share_email: true },
    }));
    const b = await vigie.fileReport(apiReport({
      targets: ['198.51.100.11'], abuse_type: 'phishing',
      description: `Fake bank login page, second report ${marker}`,
      reporter: { email: private_, share_email: false },
    }));
    const { summary } = await vigie.caseOfReport(a.reference);
    assert.equal((await vigie.caseOfReport(b.reference)).summary.id, summary.id, 'the two reports should share a case');
    assert.equal(summary.customer_id, CUSTOMERS.beta.id);

    const res = await vigie.decide(summary.id, { action: 'forward', message: `Please remove the page. ${marker}` });
    assert.equal(res.status, 201, res.describe());
    assert.equal(decisionOf(res).action, 'forward', res.describe());

    const [notice] = await sink.waitFor((m) => m.envelope.rcptTo.includes(CUSTOMERS.beta.email), {
      what: `the notice to ${CUSTOMERS.beta.email}`,
    });
    const whole = `${notice.subject}\n${notice.text}\n${notice.html}`;
    assert.ok(whole.includes(marker), `notice lacks the descriptions:\n${notice.text}`);
    assert.ok(whole.includes(sharing), `notice lacks the opted-in reporter's email:\n${notice.text}`);
    assert.ok(!notice.raw.includes(private_), `notice leaks the email of a reporter who did not opt in:\n${notice.text}`);
    assert.ok(!whole.includes(private_));
    assert.ok(whole.includes('198.51.100.10'), 'notice does not name the target');

    const after = await vigie.getCase(summary.id);
    assert.equal(after.status, 'forwarded', JSON.stringify(after));
    assert.equal(after.decisions.length, 1);
    assert.equal(after.decisions[0].action, 'forward');
  });

  test('a notice for a single report without opt-in carries no reporter email', async () => {
    const { vigie, sink } = server;
    const email = 'erin.quiet@reporter.test';
    const filed = await vigie.fileReport(apiReport({ targets: ['192.0.2.8'], abuse_type: 'scam', reporter: { email, share_email: false } }));
    const { summary } = await vigie.caseOfReport(filed.reference);
    const before = sink.messagesTo(CUSTOMERS.alpha.email).length;
    const res = await vigie.decide(summary.id, { action: 'forward', message: 'Please act.' });
    assert.equal(res.status, 201, res.describe());
    const notices = await sink.waitFor((m) => m.envelope.rcptTo.includes(CUSTOMERS.alpha.email), { count: before + 1 });
    const notice = notices[notices.length - 1];
    assert.ok(!notice.raw.includes(email), `notice leaks ${email}:\n${notice.text}`);
  });
});

describe('reject', () => {
  test('the reporter gets a rejection with the reason and the team\'s message', async () => {
    const { vigie, sink } = server;
    const email = 'frank.rejected@reporter.test';
    const filed = await vigie.fileReport(apiReport({ targets: ['192.0.2.9'], abuse_type: 'bruteforce', reporter: { email } }));
    await sink.waitFor((m) => m.envelope.rcptTo.includes(email), { what: 'the acknowledgement' });
    const { summary } = await vigie.caseOfReport(filed.reference);

    const message = `Please send the log lines with their time zone. ${unique('rej')}`;
    const res = await vigie.decide(summary.id, { action: 'reject', reason: 'insufficient_evidence', message });
    assert.equal(res.status, 201, res.describe());
    const decision = decisionOf(res);
    assert.equal(decision.action, 'reject', res.describe());
    assert.equal(decision.reason, 'insufficient_evidence', res.describe());

    const mails = await sink.waitFor((m) => m.envelope.rcptTo.includes(email), { count: 2, what: `the rejection to ${email}` });
    const rejection = mails.find((m) => mentions(m, message));
    assert.ok(rejection, `no mail to ${email} carries the team's message; subjects: ${mails.map((m) => m.subject).join(' | ')}`);
    assert.ok(mentions(rejection, filed.reference), 'rejection does not name the report reference');

    const after = await vigie.getCase(summary.id);
    assert.equal(after.status, 'rejected', JSON.stringify(after));
    const status = await vigie.get(`/api/v1/reports/${filed.reference}`, { token: filed.token });
    assert.match(status.text, /reject/i, `status lookup does not show the rejection: ${status.describe()}`);
  });

  test('a rejection needs a known reason', async () => {
    const { vigie } = server;
    const filed = await vigie.fileReport(apiReport({ targets: ['192.0.2.10'], abuse_type: 'virus' }));
    const { summary } = await vigie.caseOfReport(filed.reference);
    for (const reason of [undefined, '', 'because', 'remediated']) {
      const res = await vigie.decide(summary.id, { action: 'reject', reason, message: 'x' });
      assert.equal(res.status, 422, `reason ${JSON.stringify(reason)}: ${res.describe()}`);
      assert.ok(errorsOf(res).some((e) => e.field === 'reason'), res.describe());
    }
    assert.equal((await vigie.getCase(summary.id)).decisions.length, 0);
  });
});

describe('close', () => {
  test('closing a forwarded case tells the reporter the outcome', async () => {
    const { vigie, sink } = server;
    const email = 'grace.closed@reporter.test';
    const filed = await vigie.fileReport(apiReport({
      targets: ['2001:db8:1::25'], abuse_type: 'dos', language: 'fr', reporter: { email },
    }));
    await sink.waitFor((m) => m.envelope.rcptTo.includes(email), { what: 'the acknowledgement' });
    const { summary } = await vigie.caseOfReport(filed.reference);
    assert.equal(summary.customer_id, CUSTOMERS.gamma.id);

    let res = await vigie.decide(summary.id, { action: 'forward', message: 'Merci de corriger.' });
    assert.equal(res.status, 201, res.describe());
    await sink.waitFor((m) => m.envelope.rcptTo.includes(CUSTOMERS.gamma.email), { what: 'the notice' });

    res = await vigie.decide(summary.id, { action: 'close', reason: 'remediated', message: 'Le client a corrigé.' });
    assert.equal(res.status, 201, res.describe());
    assert.equal(decisionOf(res).action, 'close');

    const mails = await sink.waitFor((m) => m.envelope.rcptTo.includes(email), { count: 2, what: `the closure to ${email}` });
    const closure = mails[mails.length - 1];
    assert.ok(mentions(closure, filed.reference), `closure lacks the reference: ${closure.subject}`);
    const language = closure.header('Content-Language');
    if (language) assert.match(language, /^fr/i);

    const after = await vigie.getCase(summary.id);
    assert.equal(after.status, 'closed');
    assert.deepEqual(after.decisions.map((d) => d.action), ['forward', 'close']);
  });

  test('a closure needs a known outcome', async () => {
    const { vigie } = server;
    const filed = await vigie.fileReport(apiReport({ targets: ['192.0.2.11'], abuse_type: 'open_relay' }));
    const { summary } = await vigie.caseOfReport(filed.reference);
    const res = await vigie.decide(summary.id, { action: 'close', reason: 'not_illicit', message: '' });
    assert.equal(res.status, 422, res.describe());
  });
});

describe('decision requests that are wrong', () => {
  test('an unknown action, a missing body and an unknown case', async () => {
    const { vigie } = server;
    const filed = await vigie.fileReport(apiReport({ targets: ['192.0.2.12'], abuse_type: 'self_harm' }));
    const { summary } = await vigie.caseOfReport(filed.reference);
    const unknown = await vigie.decide(summary.id, { action: 'explode' });
    assert.equal(unknown.status, 422, unknown.describe());
    assert.ok(errorsOf(unknown).some((e) => e.field === 'action'), unknown.describe());
    const empty = await vigie.request('POST', `/api/v1/cases/${summary.id}/decisions`, { body: '', token: vigie.staffToken, headers: { 'content-type': 'application/json' } });
    assert.ok([400, 422].includes(empty.status), empty.describe());
    const missing = await vigie.decide(987654321, { action: 'forward', message: 'x' });
    assert.equal(missing.status, 404, missing.describe());
  });
});

describe('staff authentication', () => {
  test('the case API answers 401 without a token or with a bad one', async () => {
    const { vigie } = server;
    const filed = await vigie.fileReport(apiReport({ targets: ['192.0.2.13'], abuse_type: 'violence' }));
    const { summary } = await vigie.caseOfReport(filed.reference);
    const attempts = [
      ['GET', '/api/v1/cases'],
      ['GET', `/api/v1/cases/${summary.id}`],
      ['POST', `/api/v1/cases/${summary.id}/decisions`],
    ];
    for (const token of [undefined, 'not-a-token', filed.token]) {
      for (const [method, path] of attempts) {
        const res = await vigie.request(method, path, {
          token,
          json: method === 'POST' ? { action: 'reject', reason: 'other', message: 'x' } : undefined,
        });
        assert.equal(res.status, 401, `token ${token === filed.token ? '(a status token)' : JSON.stringify(token)}: ${res.describe()}`);
        assert.doesNotMatch(res.text, /"cases"\s*:\s*\[\s*\{/, 'a 401 must not carry data');
      }
    }
    const bad = await vigie.request('GET', '/api/v1/cases', { headers: { authorization: 'Basic YWdlbnQ6cGFzcw==' } });
    assert.equal(bad.status, 401, bad.describe());
    assert.equal((await vigie.getCase(summary.id)).decisions.length, 0, 'an unauthenticated decision was recorded');
  });
});
