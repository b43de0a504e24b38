// Attribution and aggregation, seen through the staff API: which customer a report is about
// (at the abuse instant, in the reporter's time zone), and which reports share a case.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  apiReport, CUSTOMERS, HANDOVER, hoursAgo, INVENTORY_CSV, rfc3339,
} from './lib/fixtures.mjs';
import { useServer } from './lib/suite.mjs';
import { loginDesk } from './lib/vigie.mjs';

const server = useServer({ inventoryCsv: INVENTORY_CSV, staff: true });

describe('aggregation', () => {
  test('two reports about one service and one type share a case with report_count 2', async () => {
    const { vigie } = server;
    // Two addresses of svc-alpha-web (192.0.2.16/28), two hours apart.
    const a = await vigie.fileReport(apiReport({ targets: ['192.0.2.17'], abuse_type: 'malware', observed_at: rfc3339(hoursAgo(6), 60) }));
    const b = await vigie.fileReport(apiReport({ targets: ['192.0.2.18'], abuse_type: 'malware', observed_at: rfc3339(hoursAgo(4), -300) }));
    const caseA = await vigie.caseOfReport(a.reference);
    const caseB = await vigie.caseOfReport(b.reference);
    assert.equal(caseB.summary.id, caseA.summary.id, 'the second report opened another case');

    const [listed] = (await vigie.listCases({ abuse_type: 'malware' })).filter((c) => c.id === caseA.summary.id);
    assert.ok(listed, 'case missing from the filtered list');
    assert.equal(listed.report_count, 2, JSON.stringify(listed));
    assert.equal(listed.customer_id, CUSTOMERS.alpha.id);
    assert.equal(listed.service_id, 'svc-alpha-web');
    assert.equal(listed.abuse_type, 'malware');
    assert.equal(caseB.full.reports.length, 2, JSON.stringify(caseB.full.reports));
  });

  test('another type about the same service is another case', async () => {
    const { vigie } = server;
    const a = await vigie.fileReport(apiReport({ targets: ['192.0.2.20'], abuse_type: 'virus' }));
    const b = await vigie.fileReport(apiReport({ targets: ['192.0.2.20'], abuse_type: 'open_relay' }));
    const caseA = await vigie.caseOfReport(a.reference);
    const caseB = await vigie.caseOfReport(b.reference);
    assert.notEqual(caseA.summary.id, caseB.summary.id);
    assert.equal(caseA.summary.report_count, 1);
    assert.equal(caseB.summary.report_count, 1);
  });

  test('the same type about another service is another case', async () => {
    const { vigie } = server;
    const a = await vigie.fileReport(apiReport({ targets: ['192.0.2.3'], abuse_type: 'dos' }));
    const b = await vigie.fileReport(apiReport({ targets: ['198.51.100.3'], abuse_type: 'dos' }));
    const caseA = await vigie.caseOfReport(a.reference);
    const caseB = await vigie.caseOfReport(b.reference);
    assert.notEqual(caseA.summary.id, caseB.summary.id);
    assert.equal(caseA.summary.service_id, 'svc-alpha-vps');
    assert.equal(caseB.summary.service_id, 'svc-beta-vps');
    assert.equal(caseB.summary.customer_id, CUSTOMERS.beta.id);
  });

  test('the list filters by type and by status', async () => {
    const { vigie } = server;
    await vigie.fileReport(apiReport({ targets: ['198.51.100.4'], abuse_type: 'iptv', reporter: { name: 'Rights Holder SA' } }));
    const iptv = await vigie.listCases({ abuse_type: 'iptv' });
    assert.ok(iptv.length >= 1);
    assert.ok(iptv.every((c) => c.abuse_type === 'iptv'), JSON.stringify(iptv));
    const fresh = await vigie.listCases({ status: 'new' });
    assert.ok(fresh.every((c) => c.status === 'new'), JSON.stringify(fresh));
    const closed = await vigie.listCases({ status: 'closed' });
    assert.ok(closed.every((c) => c.status === 'closed'), JSON.stringify(closed));
  });
});

describe('the desk queue', () => {
  test('lists the most urgent type first', async () => {
    const { vigie } = server;
    const spam = await vigie.fileReport(apiReport({ targets: ['198.51.100.2'], abuse_type: 'spam' }));
    const csam = await vigie.fileReport(apiReport({ targets: ['198.51.100.2'], abuse_type: 'child_sexual_abuse' }));
    const spamCase = String((await vigie.caseOfReport(spam.reference)).summary.id);
    const csamCase = String((await vigie.caseOfReport(csam.reference)).summary.id);
    const desk = await loginDesk(vigie);
    const page = await desk.get('/desk');
    assert.equal(page.status, 200, page.describe());
    const rows = [...page.text.matchAll(/<tr\b[^>]*\bcase-row\b[^>]*>[\s\S]*?href="[^"]*\/desk\/cases\/(\d+)[^"]*"/g)].map((m) => m[1]);
    assert.ok(rows.includes(spamCase) && rows.includes(csamCase), `queue rows: ${rows.join(', ')}`);
    assert.ok(rows.indexOf(csamCase) < rows.indexOf(spamCase), `child sexual abuse (case ${csamCase}) is listed after spam (case ${spamCase}): ${rows.join(', ')}`);
  });
});

describe('attribution', () => {
  // 192.0.2.200 belongs to c-early until HANDOVER (12:00 UTC two days ago), then to c-late.
  // Each report gives a local time whose clock reading falls on the other side of the handover:
  // only a server that honours the offset attributes them right.
  test('two customers holding one IP on the same day are told apart by time and offset', async () => {
    const { vigie } = server;
    const before = new Date(HANDOVER.getTime() - 5 * 3600 * 1000); // 07:00Z, 19:00 at +12:00
    const after = new Date(HANDOVER.getTime() + 5 * 3600 * 1000); // 17:00Z, 05:00 at -12:00
    const early = await vigie.fileReport(apiReport({ targets: ['192.0.2.200'], abuse_type: 'botnet', observed_at: rfc3339(before, 12 * 60) }));
    const late = await vigie.fileReport(apiReport({ targets: ['192.0.2.200'], abuse_type: 'botnet', observed_at: rfc3339(after, -12 * 60) }));

    const earlyCase = await vigie.caseOfReport(early.reference);
    const lateCase = await vigie.caseOfReport(late.reference);
    assert.equal(earlyCase.summary.customer_id, CUSTOMERS.early.id, JSON.stringify(earlyCase.summary));
    assert.equal(earlyCase.summary.service_id, 'svc-early');
    assert.equal(lateCase.summary.customer_id, CUSTOMERS.late.id, JSON.stringify(lateCase.summary));
    assert.equal(lateCase.summary.service_id, 'svc-late');
    assert.notEqual(earlyCase.summary.id, lateCase.summary.id);
  });

  test('an IPv6 address inside a /48 is attributed to its holder', async () => {
    const { vigie } = server;
    const filed = await vigie.fileReport(apiReport({ targets: ['2001:db8:1:ab::42'], abuse_type: 'bruteforce' }));
    const { summary } = await vigie.caseOfReport(filed.reference);
    assert.equal(summary.customer_id, CUSTOMERS.gamma.id, JSON.stringify(summary));
    assert.equal(summary.service_id, 'svc-gamma-v6');
  });

  test('an address nobody holds still makes a case, attributed to no customer', async () => {
    const { vigie } = server;
    const filed = await vigie.fileReport(apiReport({ targets: ['203.0.113.77'], abuse_type: 'spam' }));
    const { summary } = await vigie.caseOfReport(filed.reference);
    assert.ok(!summary.customer_id, `unexpected customer: ${JSON.stringify(summary)}`);
  });
});

describe('case detail', () => {
  test('GET /api/v1/cases/{id} lists its reports and an empty decision log', async () => {
    const { vigie } = server;
    const filed = await vigie.fileReport(apiReport({ targets: ['198.51.100.9'], abuse_type: 'security_flaw' }));
    const { full } = await vigie.caseOfReport(filed.reference);
    assert.ok(Array.isArray(full.reports) && full.reports.length === 1, JSON.stringify(full));
    assert.ok(Array.isArray(full.decisions) && full.decisions.length === 0, JSON.stringify(full));
    assert.equal(full.status, 'new');
  });

  test('an unknown case is 404', async () => {
    const res = await server.vigie.get('/api/v1/cases/987654321', { token: server.vigie.staffToken });
    assert.equal(res.status, 404, res.describe());
    const junk = await server.vigie.get('/api/v1/cases/not-a-number', { token: server.vigie.staffToken });
    assert.ok([400, 404].includes(junk.status), junk.describe());
  });
});
