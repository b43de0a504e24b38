// Without an SMTP server configured, every mail is written as an RFC 5322 file under
// <data dir>/mail/.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { apiReport, CUSTOMERS, INVENTORY_CSV } from './lib/fixtures.mjs';
import { parseMessage } from './lib/mime.mjs';
import { useServer } from './lib/suite.mjs';
import { sleep } from './lib/vigie.mjs';

const server = useServer({ inventoryCsv: INVENTORY_CSV, staff: true });

async function waitForFile(dir, predicate, what, timeout = 30000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')) : [];
    for (const file of files) {
      const message = parseMessage(fs.readFileSync(path.join(dir, file)));
      if (predicate(message)) return { file, message };
    }
    if (Date.now() > deadline) {
      throw new Error(`no .eml for ${what} in ${dir} after ${timeout} ms; files: ${files.join(', ') || '(none)'}`);
    }
    await sleep(200);
  }
}

test('the acknowledgement and the notice are dropped as .eml files', async () => {
  const { vigie } = server;
  const email = 'henri.files@reporter.test';
  const filed = await vigie.fileReport(apiReport({ targets: ['198.51.100.5'], abuse_type: 'spam', reporter: { email } }));

  const ack = await waitForFile(vigie.mailDir(), (m) => m.to.includes(email), `the acknowledgement to ${email}`);
  assert.ok(ack.message.subject.includes(filed.reference) || ack.message.text.includes(filed.reference), ack.message.raw);
  assert.ok(ack.message.header('Date') && ack.message.header('From') && ack.message.header('Message-ID'), 'missing RFC 5322 headers');
  assert.match(ack.message.header('MIME-Version') ?? '', /1\.0/);
  const raw = fs.readFileSync(path.join(vigie.mailDir(), ack.file), 'latin1');
  assert.ok(raw.split('\n').every((line) => line.length <= 1000), 'a line longer than RFC 5322 allows');

  const { summary } = await vigie.caseOfReport(filed.reference);
  const res = await vigie.decide(summary.id, { action: 'forward', message: 'Please stop the spam run.' });
  assert.equal(res.status, 201, res.describe());
  const notice = await waitForFile(vigie.mailDir(), (m) => m.to.includes(CUSTOMERS.beta.email), 'the notice');
  assert.ok(!notice.message.raw.includes(email), 'notice leaks the reporter email without opt-in');
});
