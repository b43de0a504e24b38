// Two `vigie serve` nodes on one PostgreSQL database, working as one desk: a staff token and a
// session are good on both, an inventory import reaches both indexes, failed sign-ins count on
// both, and when one node is killed with SIGKILL in the middle of a burst of reports, every
// report acknowledged with a 201 is stored once, every acknowledgement is mailed, and the
// surviving node finishes the work the dead one had claimed.
//
// PostgreSQL only (SQLite serves one node): it runs on PostgreSQL whatever VIGIE_TEST_DATABASE
// says, and skips when PostgreSQL cannot run here.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { apiReport, INVENTORY_CSV } from './lib/fixtures.mjs';
import { postgresMissing } from './lib/postgres.mjs';
import { startSmtpSink } from './lib/smtp.mjs';
import {
  hiddenValue,
  importInventory,
  loginDesk,
  makeDataDir,
  REFERENCE_PATTERN,
  shareDatabase,
  sleep,
  startVigie,
} from './lib/vigie.mjs';

process.env.VIGIE_TEST_DATABASE = 'postgresql';
const missing = postgresMissing();
const skip = missing ? `PostgreSQL cannot run here: ${missing}` : false;

// Leases of seconds instead of minutes, so that the dead node's mail is taken over quickly.
const LEASE_SECONDS = 4;
const REPORTS = 300;
const IN_FLIGHT = 16;
const KILL_AFTER = 100; // acknowledgements

async function waitFor(what, predicate, timeout = 60000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('two nodes on one PostgreSQL database', { skip }, () => {
  let sink;
  let slowSink; // node A's: one second per mail, so that it dies holding claimed mail
  let nodeA;
  let nodeB;
  const dirs = [];

  before(async () => {
    sink = await startSmtpSink();
    slowSink = await startSmtpSink({ delaySeconds: 1 });
    const dirA = makeDataDir('vigie-node-a-');
    const dirB = makeDataDir('vigie-node-b-');
    dirs.push(dirA, dirB);
    shareDatabase(dirB, dirA);
    const env = { VIGIE_TEST_LEASE_SECONDS: String(LEASE_SECONDS) };
    nodeA = await startVigie({ dataDir: dirA, inventoryCsv: INVENTORY_CSV, staff: true, smtp: slowSink, env });
    nodeB = await startVigie({ dataDir: dirB, smtp: sink, env });
    nodeB.staffToken = nodeA.staffToken;
    nodeB.staffEmail = nodeA.staffEmail;
    nodeB.staffPassword = nodeA.staffPassword;
  });

  after(async () => {
    try {
      if (nodeB) await nodeB.stop({ cleanup: false });
      if (nodeA?.alive()) await nodeA.stop({ cleanup: false });
    } finally {
      for (const each of [sink, slowSink]) {
        if (!each) continue;
        await each.stop();
        if (process.env.VIGIE_KEEP_DATA !== '1') each.cleanup();
      }
      if (process.env.VIGIE_KEEP_DATA !== '1') {
        for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  test('a staff API token and a desk session made on one node work on the other', async () => {
    // The token was made through node A's data directory; listCases asserts a 200 on each.
    for (const node of [nodeA, nodeB]) {
      const res = await node.get('/api/v1/cases', { token: nodeA.staffToken });
      assert.equal(res.status, 200, `the staff token on ${node.baseUrl}:\n${res.describe()}`);
    }

    const onA = await loginDesk(nodeA);
    const onB = nodeB.session();
    onB.cookies = new Map(onA.cookies);
    const desk = await onB.get('/desk');
    assert.equal(desk.status, 200, `the session from node A on node B:\n${desk.describe()}`);
  });

  test('an inventory import reaches the attribution index of both running nodes', async () => {
    const rebuiltBefore = (node) => (node.stderr.match(/event=attribution_index_rebuilt/g) || []).length;
    const seenA = rebuiltBefore(nodeA);
    const seenB = rebuiltBefore(nodeB);
    const csv = [
      'customer_id,customer_name,customer_email,service_id,service_kind,resource,valid_from,valid_to',
      'c-new,New Customer,abuse@new.test,svc-new,vps,203.0.113.0/28,2020-01-01T00:00:00Z,',
      '',
    ].join('\n');
    importInventory(nodeA.dataDir, csv);
    await waitFor('both nodes to rebuild their index', async () =>
      rebuiltBefore(nodeA) > seenA && rebuiltBefore(nodeB) > seenB,
    );

    for (const [node, target] of [[nodeA, '203.0.113.3'], [nodeB, '203.0.113.4']]) {
      const filed = await node.fileReport(apiReport({ targets: [target], abuse_type: 'malware' }));
      const { summary } = await node.caseOfReport(filed.reference);
      assert.equal(summary.service_id, 'svc-new', `a report about ${target} on ${node.baseUrl}`);
      assert.equal(summary.customer_id, 'c-new');
    }
  });

  test('failed sign-ins on one node count on the other', async () => {
    // Ten failures from this address, half on each node: either node alone has seen five.
    const attempt = async (node, password) => {
      const session = node.session();
      const page = await session.get('/desk/login');
      const csrf = hiddenValue(page.text, 'csrf');
      return session.postForm('/desk/login', { email: nodeA.staffEmail, password, csrf });
    };
    for (let i = 0; i < 10; i++) {
      const res = await attempt(i % 2 === 0 ? nodeA : nodeB, `wrong password ${i}`);
      assert.equal(res.status, 401, res.describe());
    }
    // Now even the right password is refused, on both nodes, until the window has passed.
    for (const node of [nodeA, nodeB]) {
      const res = await attempt(node, nodeA.staffPassword);
      assert.equal(res.status, 429, `after ten failures across the nodes:\n${res.describe()}`);
    }
  });

  test('a node killed mid-burst loses no acknowledged report, and the other finishes its mail', { timeout: 300000 }, async () => {
    // Reports about three services, sent to both nodes at once, IN_FLIGHT at a time.
    const targets = ['192.0.2.5', '192.0.2.20', '198.51.100.7'];
    const acknowledged = new Map(); // reference -> {token, recipient, node}
    const refused = [];
    let failedRequests = 0;
    let killed = false;
    let next = 0;
    const sendOne = async (i) => {
      const node = i % 2 === 0 ? nodeA : nodeB;
      const recipient = `burst-${i}@reporter.test`;
      const report = apiReport({ targets: [targets[i % 3]], reporter: { email: recipient } });
      let res;
      try {
        res = await node.request('POST', '/api/v1/reports', { json: report, allow5xx: true });
      } catch {
        failedRequests += 1; // the connection died with node A: not acknowledged
        return;
      }
      if (res.status !== 201) {
        refused.push(res.describe());
        return;
      }
      const answer = res.json();
      assert.match(answer.reference, REFERENCE_PATTERN);
      const token = new URL(answer.status_url, node.baseUrl).searchParams.get('token');
      acknowledged.set(answer.reference, { token, recipient, node: node === nodeA ? 'A' : 'B' });
      if (!killed && acknowledged.size >= KILL_AFTER) {
        killed = true;
        nodeA.proc.kill('SIGKILL');
      }
    };
    const worker = async () => {
      while (next < REPORTS) await sendOne(next++);
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    await new Promise((resolve) => (nodeA.alive() ? nodeA.proc.once('exit', resolve) : resolve()));
    assert.ok(killed, `node A was never killed (${acknowledged.size} acknowledged)`);
    assert.ok(!nodeA.alive(), 'node A survived SIGKILL');
    const fromA = [...acknowledged.values()].filter((a) => a.node === 'A').length;
    assert.ok(fromA >= KILL_AFTER / 3, `node A acknowledged only ${fromA} reports before it died`);
    assert.ok(acknowledged.size > REPORTS / 2, `only ${acknowledged.size} of ${REPORTS} acknowledged`);
    // Node B answered everything it was sent; only node A's connections failed.
    assert.deepEqual(refused, [], 'refusals other than from the dead node');

    // Every acknowledged report is stored, and its status readable from the surviving node.
    for (const [reference, { token }] of acknowledged) {
      const res = await nodeB.get(`/api/v1/reports/${reference}`, { token });
      assert.equal(res.status, 200, `acknowledged ${reference} is not stored:\n${res.describe()}`);
    }

    // ... exactly once: each reference is in one case, once, and the cases count what they hold.
    const seen = new Map();
    let counted = 0;
    for (const summary of await nodeB.listCases({ abuse_type: 'phishing' })) {
      const full = await nodeB.getCase(summary.id);
      counted += summary.report_count;
      assert.equal(full.reports.length, summary.report_count, `case ${summary.id} count`);
      for (const report of full.reports) seen.set(report.reference, (seen.get(report.reference) || 0) + 1);
    }
    for (const reference of acknowledged.keys()) {
      assert.equal(seen.get(reference), 1, `${reference} is stored ${seen.get(reference) ?? 0} times`);
    }
    // A report may have been stored as node A died, before its answer left: stored, not
    // acknowledged. Never the other way round.
    assert.ok(counted >= acknowledged.size && counted <= acknowledged.size + failedRequests,
      `${counted} stored, ${acknowledged.size} acknowledged, ${failedRequests} lost connections`);
    assert.equal(new Set(seen.keys()).size, counted, 'a report stored twice');

    // Every acknowledgement reaches the sink, those node A had claimed after their lease ran out.
    const byReference = () => {
      const found = new Map();
      for (const message of [...slowSink.messages(), ...sink.messages()]) {
        const reference = REFERENCE_PATTERN.exec(`${message.subject}\n${message.text}`)?.[0];
        if (!reference || !message.envelope.rcptTo.some((r) => r.startsWith('burst-'))) continue;
        if (!found.has(reference)) found.set(reference, []);
        found.get(reference).push(message);
      }
      return found;
    };
    const mailed = await waitFor(
      'an acknowledgement of every acknowledged report',
      () => {
        const found = byReference();
        return [...acknowledged.keys()].every((reference) => found.has(reference)) && found;
      },
      120000,
    );
    for (const [reference, { recipient }] of acknowledged) {
      const copies = mailed.get(reference);
      assert.deepEqual(copies[0].envelope.rcptTo, [recipient], `acknowledgement of ${reference}`);
      // A mail node A had handed to the SMTP server but not yet recorded as sent is sent again
      // by node B: the same message, with the same Message-ID, which the receiver drops. Never
      // two different acknowledgements.
      const ids = new Set(copies.map((m) => m.header('Message-ID')));
      assert.equal(ids.size, 1, `${reference} was acknowledged by ${ids.size} different mails`);
    }
    // Node B finished what node A left: acknowledgements of reports that node A accepted came
    // through node B's mail server.
    const byB = new Set(sink.messages().map((m) => m.file));
    const finishedForA = [...acknowledged]
      .filter(([reference, { node }]) => node === 'A' && mailed.get(reference).some((m) => byB.has(m.file)))
      .length;
    assert.ok(finishedForA > 0, 'node B sent none of the acknowledgements of node A\'s reports');
    const repeated = [...mailed.values()].filter((copies) => copies.length > 1).length;
    // Only the batch node A was sending when it died (50 mails at most) can be sent twice.
    assert.ok(repeated <= 50, `${repeated} acknowledgements sent twice`);
    console.log(
      `${acknowledged.size} acknowledged (${fromA} by node A), ${counted} stored, ` +
        `${failedRequests} requests lost with node A, ${finishedForA} of node A's acknowledgements ` +
        `sent by node B, ${repeated} repeated with their Message-ID`,
    );
  });
});
