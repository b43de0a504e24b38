// No acknowledged report is lost: not when the server is killed right after answering 201, not
// while the mail server is down.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { apiReport, INVENTORY_CSV } from './lib/fixtures.mjs';
import { startSmtpSink } from './lib/smtp.mjs';
import { freePort, makeDataDir, startVigie } from './lib/vigie.mjs';

async function kill(vigie) {
  const exited = new Promise((resolve) => vigie.proc.once('exit', resolve));
  vigie.proc.kill('SIGKILL');
  await exited;
}

describe('durability', () => {
  test('reports acknowledged with 201 survive a SIGKILL', async () => {
    const dataDir = makeDataDir();
    let vigie = await startVigie({ dataDir, inventoryCsv: INVENTORY_CSV, staff: true });
    const filed = [];
    try {
      const pending = [];
      for (let i = 0; i < 30; i++) {
        pending.push(vigie.fileReport(apiReport({ targets: [`192.0.2.${i + 1}`], abuse_type: 'bruteforce' })));
      }
      filed.push(...(await Promise.all(pending)));
    } finally {
      await kill(vigie);
    }

    const token = vigie.staffToken;
    vigie = await startVigie({ dataDir });
    vigie.staffToken = token;
    try {
      for (const report of filed) {
        const res = await vigie.get(`/api/v1/reports/${report.reference}`, { token: report.token });
        assert.equal(res.status, 200, `lost after SIGKILL: ${res.describe()}`);
      }
      const cases = await vigie.listCases({ abuse_type: 'bruteforce' });
      const counted = cases.reduce((sum, c) => sum + c.report_count, 0);
      assert.equal(counted, filed.length, `cases count ${counted} reports, ${filed.length} were acknowledged`);
    } finally {
      await vigie.stop();
    }
  });

  test('SIGTERM stops the server cleanly', async () => {
    const vigie = await startVigie({});
    await vigie.fileReport(apiReport());
    const { code, signal } = await vigie.stop();
    assert.equal(signal, null, `killed by ${signal} instead of exiting`);
    assert.equal(code, 0, `exit code ${code} after SIGTERM`);
  });

  // Delivery retries with back-off (1 or 2 minutes for the first retry): this test waits for it.
  test('an acknowledgement written while the mail server is down is sent once it is back', { timeout: 300000 }, async () => {
    const port = await freePort();
    const vigie = await startVigie({ inventoryCsv: INVENTORY_CSV, smtp: { host: '127.0.0.1', port } });
    let sink;
    try {
      const email = 'patient@reporter.test';
      const filed = await vigie.fileReport(apiReport({ reporter: { email } }));
      // Let the first attempt fail against the closed port.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      sink = await startSmtpSink({ port });
      const [ack] = await sink.waitFor((m) => m.envelope.rcptTo.includes(email), {
        timeout: 270000, what: 'the acknowledgement after the outage',
      });
      assert.ok(ack.subject.includes(filed.reference) || ack.text.includes(filed.reference));
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const ids = sink.messagesTo(email).map((m) => m.header('Message-ID'));
      assert.equal(new Set(ids).size, ids.length, `a mail was sent twice: ${ids.join(', ')}`);
    } finally {
      await vigie.stop();
      if (sink) {
        await sink.stop();
        sink.cleanup();
      }
    }
  });
});
