// Abuse mail, the way an MTA and a mail gateway deliver it: piped into `vigie ingest-mail`
// while the server runs, or posted to /api/v1/mail; then read, attributed and filed into cases
// that the staff API shows.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { hoursAgo, INVENTORY_CSV, unique } from './lib/fixtures.mjs';
import { databaseArgs, makeDataDir, onPostgres, sharedDir, sleep, startVigie, vigieBin } from './lib/vigie.mjs';

// Pipes `message` into `vigie ingest-mail`; returns {status, stdout, stderr}.
function ingest(dataDir, message, extra = []) {
  const result = spawnSync(vigieBin, ['ingest-mail', '--data', dataDir, ...databaseArgs(dataDir), ...extra], {
    input: message,
    timeout: 120000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

// An RFC 5965 feedback report about `sourceIp`, as a mailbox provider's loop sends it.
function arfReport({ sourceIp, arrival = hoursAgo(2), originalId = `${unique('orig')}@mailer.test` }) {
  return [
    'From: Feedback Loop <fbl@mailbox.test>',
    'To: abuse@provider.test',
    'Subject: FW: complaint',
    `Message-ID: <${unique('fbl')}@mailbox.test>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="arf"',
    '',
    '--arf',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is an email abuse report for an email message received from IP',
    `${sourceIp}.`,
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
    `Message-ID: <${originalId}>`,
    `Date: ${arrival.toUTCString()}`,
    '',
    'Buy now.',
    '--arf--',
    '',
  ].join('\r\n');
}

function freeText(body) {
  return [
    'From: Jeanne <jeanne@example.test>',
    'To: abuse@provider.test',
    'Subject: site de phishing',
    `Message-ID: <${unique('ft')}@example.test>`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '',
  ].join('\r\n');
}

async function waitFor(what, check, timeout = 30000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('abuse mail intake', () => {
  let vigie;
  before(async () => {
    vigie = await startVigie({ inventoryCsv: INVENTORY_CSV, staff: true });
  });
  after(async () => {
    await vigie?.stop();
  });

  async function mailList(state) {
    const res = await vigie.get(`/api/v1/mail${state ? `?state=${state}` : ''}`, { token: vigie.staffToken });
    assert.equal(res.status, 200, res.describe());
    return res.json().mail;
  }

  async function mailById(id) {
    const res = await vigie.get(`/api/v1/mail/${id}`, { token: vigie.staffToken });
    assert.equal(res.status, 200, res.describe());
    return res.json();
  }

  // The newest mail whose subject is `subject`, once it has been read.
  async function readMail(subject) {
    return waitFor(`the mail "${subject}" to be read`, async () => {
      const found = (await mailList()).find((m) => m.subject === subject && m.state !== 'pending');
      return found && mailById(found.id);
    });
  }

  test('a feedback report piped in by the MTA becomes an event in the customer\'s case', async () => {
    const message = arfReport({ sourceIp: '192.0.2.7' });
    const piped = ingest(vigie.dataDir, message);
    assert.equal(piped.status, 0, `ingest-mail failed: ${piped.stderr}`);

    const caseOf = await waitFor('the spam case of svc-alpha-vps', async () => {
      const cases = await vigie.listCases({ abuse_type: 'spam' });
      return cases.find((c) => c.service_id === 'svc-alpha-vps');
    });
    assert.equal(caseOf.customer_id, 'c-alpha');
    const full = await vigie.getCase(caseOf.id);
    assert.equal(full.event_count, 1);
    assert.deepEqual(full.events[0].targets, ['192.0.2.7']);
    assert.equal(full.events[0].format, 'arf');
    assert.equal(full.events[0].attribution, 'attributed');

    const mail = (await mailList('parsed')).find((m) => m.format === 'arf');
    assert.ok(mail, 'the mail is listed as parsed');
    assert.equal(mail.new_events, 1);
    assert.equal(mail.channel, 'pipe');

    // The raw message comes back byte for byte, as a download.
    const raw = await vigie.get(`/api/v1/mail/${mail.id}/raw`, { token: vigie.staffToken });
    assert.equal(raw.status, 200);
    assert.equal(raw.header('content-type'), 'application/octet-stream');
    assert.match(raw.header('content-disposition'), /^attachment;/);
    assert.equal(raw.body.toString('latin1'), message);

    // The same complaint forwarded again is counted once.
    assert.equal(ingest(vigie.dataDir, message).status, 0);
    await waitFor('the repeated mail to be read', async () => {
      const read = (await mailList('parsed')).filter((m) => m.format === 'arf');
      return read.length === 2 && read.every((m) => m.state === 'parsed');
    });
    const again = (await mailList('parsed')).find((m) => m.id !== mail.id && m.format === 'arf');
    assert.equal(again.duplicate_events, 1);
    assert.equal(again.new_events, 0);
    assert.equal((await vigie.getCase(caseOf.id)).report_count, 1);
  });

  test('events about addresses that are not ours are recorded and open no case', async () => {
    const before = (await vigie.listCases({ abuse_type: 'spam' })).length;
    assert.equal(ingest(vigie.dataDir, arfReport({ sourceIp: '203.0.113.50' })).status, 0);
    const mail = await waitFor('the not-ours mail', async () =>
      (await mailList('parsed')).find((m) => m.not_ours_events === 1),
    );
    assert.equal(mail.new_events, 1);
    assert.equal((await vigie.listCases({ abuse_type: 'spam' })).length, before);
  });

  test('free text lands in the needs-a-human inbox with what was found', async () => {
    const subject = 'site de phishing';
    const piped = ingest(
      vigie.dataDir,
      freeText('Bonjour, le site http://192.0.2.20/banque/login.php imite ma banque. Merci.'),
    );
    assert.equal(piped.status, 0, piped.stderr);
    const mail = await readMail(subject);
    assert.equal(mail.state, 'needs_human');
    assert.equal(mail.format, 'free_text');
    assert.ok(
      mail.reading.candidate_targets.some((t) => t.includes('192.0.2.20')),
      `candidates: ${JSON.stringify(mail.reading.candidate_targets)}`,
    );
    assert.ok((await mailList('needs_human')).some((m) => m.id === mail.id));
  });

  test('a mail gateway posts mail to the API', async () => {
    const res = await vigie.request('POST', '/api/v1/mail', {
      body: arfReport({ sourceIp: '198.51.100.3' }),
      headers: { 'content-type': 'message/rfc822' },
      token: vigie.staffToken,
    });
    assert.equal(res.status, 202, res.describe());
    const { id, url } = res.json();
    assert.equal(res.header('location'), url);
    const mail = await waitFor('the posted mail to be read', async () => {
      const m = await mailById(id);
      return m.state !== 'pending' && m;
    });
    assert.equal(mail.state, 'parsed');
    assert.equal(mail.channel, 'api');
    assert.equal(mail.reading.events[0].targets[0], '198.51.100.3');

    const anonymous = await vigie.request('POST', '/api/v1/mail', { body: 'From: x@y.test\r\n\r\nhi' });
    assert.equal(anonymous.status, 401);
    const empty = await vigie.request('POST', '/api/v1/mail', { body: '', token: vigie.staffToken });
    assert.equal(empty.status, 422);
    assert.equal(empty.json().errors[0].field, 'body');
  });

  test('hostile and broken mail is kept with its reason, and the server carries on', async () => {
    const hostile = [
      Buffer.from('\x00\x01\x02 not a mail at all \xff\xfe'),
      Buffer.from('From: a@b.test\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n' + '--x\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n'.repeat(400)),
      Buffer.from('From: a@b.test\r\nContent-Type: application/zip; name=a.zip\r\nContent-Transfer-Encoding: base64\r\n\r\nUEsDBBQAAAAIAAAAIQAAAAAAAAAAAAAAAAAAAAAA\r\n'),
    ];
    for (const message of hostile) assert.equal(ingest(vigie.dataDir, message).status, 0);
    await waitFor('every mail to be read', async () => (await mailList('pending')).length === 0);
    const health = await vigie.get('/healthz');
    assert.equal(health.status, 200);
    for (const mail of await mailList()) {
      if (mail.state !== 'parsed') assert.ok(mail.reason, `mail ${mail.id} is ${mail.state} without a reason`);
    }
  });

  test('a XARF report that breaks its rules is kept and its sender told why', async () => {
    const report = {
      Version: '3',
      ReporterInfo: { ReporterOrg: 'Robot', ReporterOrgDomain: 'reporter.test', ReporterOrgEmail: 'xarf@reporter.test' },
      Disclosure: true,
      Report: { ReportClass: 'Activity', ReportType: 'LoginAttack', Date: new Date().toISOString(), SourceIp: 'not an address', Protocol: 'tcp' },
    };
    const message = [
      'From: XARF robot <xarf-robot@reporter.test>',
      'To: abuse@provider.test',
      'Subject: XARF report <bad>',
      `Message-ID: <${unique('xarf')}@reporter.test>`,
      'Content-Type: application/json',
      '',
      JSON.stringify(report),
      '',
    ].join('\r\n');
    assert.equal(ingest(vigie.dataDir, message).status, 0);
    const mail = await readMail('XARF report <bad>');
    assert.equal(mail.state, 'rejected');
    assert.equal(mail.format, 'xarf3');
    assert.equal(mail.reason, 'xarf_invalid');
    assert.match(mail.detail, /SourceIp/);

    // Without an SMTP server the desk writes its mail as files: the answer is there.
    const dir = path.join(vigie.dataDir, 'mail');
    const answer = await waitFor('the refusal to be written', async () => {
      if (!fs.existsSync(dir)) return undefined;
      for (const file of fs.readdirSync(dir)) {
        const text = fs.readFileSync(path.join(dir, file), 'utf8');
        if (text.includes('X-Vigie-Mail: refusal')) return text;
      }
      return undefined;
    });
    assert.match(answer, /^To: .*xarf-robot@reporter\.test/m);
    assert.match(answer, /^Auto-Submitted: auto-replied/m);
    assert.match(answer, /^In-Reply-To: </m);
    assert.match(answer, /SourceIp/);
  });

  test('--dry-run --json stores nothing and prints the reading', async () => {
    const countBefore = (await mailList()).length;
    const dry = ingest(vigie.dataDir, arfReport({ sourceIp: '2001:db8:1::25' }), ['--dry-run', '--json']);
    assert.equal(dry.status, 0, dry.stderr);
    const reading = JSON.parse(dry.stdout);
    assert.equal(reading.format, 'arf');
    assert.equal(reading.status, 'parsed');
    assert.deepEqual(reading.events[0].targets, ['2001:db8:1::25']);
    assert.equal(reading.events[0].abuse_type, 'spam');
    assert.match(reading.events[0].observed_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await sleep(1500);
    assert.equal((await mailList()).length, countBefore, 'a dry run stored a mail');
  });

  test('corpus feeds read end to end when the corpus is present', async (t) => {
    const dir = path.join(sharedDir, 'corpus', 'email', 'abuseio', 'feedback-loop');
    if (!fs.existsSync(dir)) {
      t.skip(`no corpus at ${dir}`);
      return;
    }
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.eml'));
    for (const file of files) {
      assert.equal(ingest(vigie.dataDir, fs.readFileSync(path.join(dir, file))).status, 0, file);
    }
    await waitFor('the corpus mail to be read', async () => (await mailList('pending')).length === 0);
    const arf = (await mailList()).filter((m) => m.format === 'arf' && m.sender !== 'fbl@mailbox.test');
    assert.ok(arf.length >= files.length - 1, `${arf.length} of ${files.length} read as ARF`);
  });
});

describe('abuse mail when the database cannot take it', () => {
  // On PostgreSQL a writer waits for a lock rather than giving up (vigie sets no lock_timeout),
  // so a held lock makes ingest-mail wait, not exit 75: the SQLite case has no equivalent there.
  const skip = onPostgres() && 'SQLite only: it holds the SQLite write lock with the sqlite3 tool';
  test('ingest-mail exits 75 while the database is locked, and the message is taken once it is free', { timeout: 180000, skip }, async () => {
    const vigie = await startVigie({ inventoryCsv: INVENTORY_CSV, staff: true });
    let locker;
    try {
      const database = path.join(vigie.dataDir, 'vigie.sqlite3');
      assert.ok(fs.existsSync(database), `no database at ${database}`);
      // Another process holds the write lock: every writer waits, then gives up.
      locker = spawn('sqlite3', [database], { stdio: ['pipe', 'pipe', 'pipe'] });
      let lockerOut = '';
      locker.stdout.on('data', (d) => (lockerOut += d));
      locker.stdin.write('.timeout 1000\nBEGIN EXCLUSIVE;\nSELECT \'locked\';\n');
      await waitFor('the lock', async () => lockerOut.includes('locked'), 10000);

      const message = arfReport({ sourceIp: '192.0.2.9' });
      const refused = ingest(vigie.dataDir, message);
      assert.equal(refused.status, 75, `exit ${refused.status}, stderr: ${refused.stderr}`);
      assert.match(refused.stderr, /database|not stored/);

      locker.stdin.write('ROLLBACK;\n.quit\n');
      await new Promise((resolve) => locker.once('exit', resolve));
      locker = undefined;

      // The MTA tries again.
      const accepted = ingest(vigie.dataDir, message);
      assert.equal(accepted.status, 0, accepted.stderr);
      await waitFor('the retried mail to be filed', async () => {
        const cases = await vigie.listCases({ abuse_type: 'spam' });
        return cases.find((c) => c.service_id === 'svc-alpha-vps' && c.report_count === 1);
      });
    } finally {
      locker?.kill('SIGKILL');
      await vigie.stop();
    }
  });

  test('mail stored while the server is down is read when it starts', async () => {
    const dataDir = makeDataDir();
    const vigie = await startVigie({ dataDir, inventoryCsv: INVENTORY_CSV, staff: true });
    const { staffToken } = vigie;
    await vigie.stop({ cleanup: false });
    assert.equal(ingest(dataDir, arfReport({ sourceIp: '192.0.2.17' })).status, 0);
    const again = await startVigie({ dataDir });
    again.staffToken = staffToken;
    try {
      await waitFor('the case of svc-alpha-web', async () =>
        (await again.listCases({ abuse_type: 'spam' })).find((c) => c.service_id === 'svc-alpha-web'),
      );
    } finally {
      await again.stop();
    }
  });
});
