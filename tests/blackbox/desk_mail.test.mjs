// The desk's abuse-mail pages over plain HTTP: they are staff-only, every change needs the CSRF
// token, the raw message is only ever a download, and hostile input never gets a 500.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { unique } from './lib/fixtures.mjs';
import { useServer } from './lib/suite.mjs';
import { findTags, hiddenValue, loginDesk, sleep } from './lib/vigie.mjs';

const server = useServer({ staff: true });

// A message whose subject and body would run script if the desk ever rendered them.
function hostileMail(marker) {
  return [
    'From: "Reporter <b>" <reporter@example.net>',
    'To: abuse@vigie.test',
    `Subject: <script>alert("${marker}")</script>`,
    `Message-ID: <${marker}@example.net>`,
    'Date: Mon, 2 Mar 2026 10:00:00 +0100',
    'Content-Type: text/html; charset=utf-8',
    '',
    `<html><body><img src=x onerror=alert(1)><p>BODY-${marker}</p></body></html>`,
    '',
  ].join('\r\n');
}

// Stores a mail through the staff API; returns its id once it has been read (left "pending").
async function postMail(vigie, raw) {
  const stored = await vigie.request('POST', '/api/v1/mail', {
    body: raw,
    token: vigie.staffToken,
    headers: { 'content-type': 'message/rfc822' },
  });
  assert.equal(stored.status, 202, stored.describe());
  const { id } = stored.json();
  const deadline = Date.now() + 15000;
  for (;;) {
    const mail = await vigie.get(`/api/v1/mail/${id}`, { token: vigie.staffToken });
    assert.equal(mail.status, 200, mail.describe());
    if (mail.json().state !== 'pending') return id;
    if (Date.now() > deadline) throw new Error(`mail ${id} still pending after 15 s`);
    await sleep(100);
  }
}

describe('desk mail pages', () => {
  test('signed out, every desk mail route leads to the sign-in page', async () => {
    const { vigie } = server;
    const id = await postMail(vigie, hostileMail(unique('out')));
    const anonymous = vigie.session();
    for (const path of ['/desk/mail', `/desk/mail/${id}`, `/desk/mail/${id}/raw`]) {
      const res = await anonymous.get(path);
      assert.ok([302, 303].includes(res.status), res.describe());
      assert.match(res.header('location') ?? '', /\/desk\/login$/, res.describe());
      assert.ok(!res.text.includes('reporter@example.net'), `leaks the mail:\n${res.describe()}`);
    }
    const post = await anonymous.postForm(`/desk/mail/${id}/report`, { abuse_type: 'spam' });
    assert.ok([302, 303].includes(post.status), post.describe());
    assert.match(post.header('location') ?? '', /\/desk\/login$/, post.describe());
  });

  test('the raw message is an attachment of type application/octet-stream, byte for byte', async () => {
    const { vigie } = server;
    const marker = unique('raw');
    const raw = hostileMail(marker);
    const id = await postMail(vigie, raw);
    const desk = await loginDesk(vigie);
    const res = await desk.get(`/desk/mail/${id}/raw`);
    assert.equal(res.status, 200, res.describe());
    assert.equal(res.header('content-type'), 'application/octet-stream', res.describe());
    assert.match(res.header('content-disposition') ?? '', /^attachment\b/, res.describe());
    assert.equal(res.header('x-content-type-options'), 'nosniff');
    assert.ok(res.body.equals(Buffer.from(raw)), 'the download is not the message as received');
  });

  test('the inbox and the mail page show the facts escaped and never the message', async () => {
    const { vigie } = server;
    const marker = unique('page');
    const id = await postMail(vigie, hostileMail(marker));
    const desk = await loginDesk(vigie);

    const inbox = await desk.get('/desk/mail?state=all');
    assert.equal(inbox.status, 200, inbox.describe());
    assert.ok(findTags(inbox.text, 'a').some((a) => a.href === `/desk/mail/${id}`), 'mail not listed');
    const nav = findTags(inbox.text, 'a').find((a) => a.href === '/desk/mail');
    assert.ok(nav, 'no inbox link in the desk navigation');

    const page = await desk.get(`/desk/mail/${id}`);
    assert.equal(page.status, 200, page.describe());
    assert.ok(!page.text.includes('<script>alert'), 'the subject is not escaped');
    // The subject is known once the MIME walker has read the headers.
    const { subject } = (await vigie.get(`/api/v1/mail/${id}`, { token: vigie.staffToken })).json();
    if (subject) assert.ok(page.text.includes('&lt;script&gt;alert'), 'the subject is not shown');
    assert.ok(!page.text.includes(`BODY-${marker}`), 'the message body is shown on the page');
    assert.ok(!page.text.includes('onerror'), 'the message markup is on the page');
    const download = findTags(page.text, 'a').find((a) => a.href === `/desk/mail/${id}/raw`);
    assert.ok(download, 'no link to download the message');
    assert.match(page.header('content-security-policy') ?? '', /script-src 'self'/);
  });

  test('a report from a mail is refused without the CSRF token, and nothing changes', async () => {
    const { vigie } = server;
    const id = await postMail(vigie, hostileMail(unique('csrf')));
    const desk = await loginDesk(vigie);
    const before = (await vigie.get(`/api/v1/mail/${id}`, { token: vigie.staffToken })).json();
    const fields = {
      abuse_type: 'spam', target: '192.0.2.10', abuse_date: '2026-03-02', abuse_time: '09:00',
      abuse_zone: 'UTC',
    };
    const none = await desk.postForm(`/desk/mail/${id}/report`, fields);
    assert.equal(none.status, 403, none.describe());
    const wrong = await desk.postForm(`/desk/mail/${id}/report`, { ...fields, csrf: 'x'.repeat(64) });
    assert.equal(wrong.status, 403, wrong.describe());
    const after = (await vigie.get(`/api/v1/mail/${id}`, { token: vigie.staffToken })).json();
    assert.equal(after.state, before.state);
    assert.equal(after.report_id, 0);
  });

  test('a mail that is not waiting for a person takes no report', async () => {
    const { vigie } = server;
    const id = await postMail(vigie, hostileMail(unique('state')));
    const state = (await vigie.get(`/api/v1/mail/${id}`, { token: vigie.staffToken })).json().state;
    if (state === 'needs_human') return;  // a free-text reader read it: covered by the browser test
    const desk = await loginDesk(vigie);
    const page = await desk.get(`/desk/mail/${id}`);
    assert.equal(findTags(page.text, 'form').filter((f) => f.id === 'mail-report').length, 0,
      'the report form is offered for a mail that is not waiting for a person');
    const csrf = hiddenValue(page.text, 'csrf');
    const res = await desk.postForm(`/desk/mail/${id}/report`, {
      csrf, abuse_type: 'spam', target: '192.0.2.10', abuse_date: '2026-03-02', abuse_time: '09:00',
      abuse_zone: 'UTC',
    });
    assert.equal(res.status, 409, res.describe());
  });

  test('odd paths, states and pages are answered without a server error', async () => {
    const { vigie } = server;
    const desk = await loginDesk(vigie);
    for (const [path, expected] of [
      ['/desk/mail/0', 404], ['/desk/mail/abc', 404], ['/desk/mail/99999999', 404],
      ['/desk/mail/99999999/raw', 404], ['/desk/mail/-1/raw', 404],
      ['/desk/mail?state=bogus', 422], ['/desk/mail?state=all&page=-4', 200],
      ['/desk/mail?page=99999999999999999999', 200], ['/desk/cases/1?events_page=abc', 404],
    ]) {
      const res = await desk.get(path);
      assert.equal(res.status, expected, res.describe());
    }
    const page = await desk.get('/desk/mail?state=bogus');
    assert.ok(page.text.includes('filter-error'), 'the bad filter is not explained');
    const csrf = hiddenValue(page.text, 'csrf');
    const missing = await desk.postForm('/desk/mail/99999999/report', { csrf });
    assert.equal(missing.status, 404, missing.describe());
  });
});
