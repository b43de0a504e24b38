// The test harness's own MIME reader, checked on hand-written messages so that a mail test
// failing means vigie is wrong, not the reader.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { addresses, decodeEncodedWords, parseMessage } from './lib/mime.mjs';
import { decodeEntities, findTags, hiddenValue, textById } from './lib/vigie.mjs';

test('mime reader: quoted-printable UTF-8 body and encoded-word subject', () => {
  const raw = [
    'From: abuse@vigie.test',
    'To: =?utf-8?q?Ren=C3=A9?= <rene@example.test>',
    'Subject: =?utf-8?q?Signalement_VG-ABCDEFGHJK_re=C3=A7u?=',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Nous avons re=C3=A7u votre signalement, une tr=C3=A8s longue ligne qui est =',
    'coup=C3=A9e.',
    '',
  ].join('\r\n');
  const message = parseMessage(Buffer.from(raw, 'latin1'));
  assert.equal(message.subject, 'Signalement VG-ABCDEFGHJK reçu');
  assert.deepEqual(addresses(message.to), ['rene@example.test']);
  assert.match(message.text, /très longue ligne qui est coupée\./);
});

test('mime reader: multipart/alternative with base64 HTML and folded headers', () => {
  const html = Buffer.from('<p>R&eacute;f&eacute;rence <b>VG-ABCDEFGHJK</b> — merci</p>').toString('base64');
  const raw = [
    'Subject: =?UTF-8?B?w4AgcHJvcG9z?=',
    '  =?UTF-8?Q?_de_votre_signalement?=',
    'Content-Type: multipart/alternative;',
    '  boundary="=_b1"',
    '',
    'preamble',
    '--=_b1',
    'Content-Type: text/plain; charset="utf-8"',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Plain café',
    '--=_b1',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    html.slice(0, 20),
    html.slice(20),
    '--=_b1--',
    '',
  ].join('\n');
  const message = parseMessage(Buffer.from(raw, 'utf8'));
  assert.equal(message.subject, 'À propos de votre signalement');
  assert.equal(message.text, 'Plain café');
  assert.match(message.html, /<b>VG-ABCDEFGHJK<\/b> — merci/);
});

test('mime reader: smtp-sink envelope headers come before the message', () => {
  const raw = [
    'X-Client-Addr: 127.0.0.1',
    'X-Mail-Args: <abuse@vigie.test> BODY=8BITMIME',
    'X-Rcpt-Args: <a@example.test>',
    'X-Rcpt-Args: <B@Example.test>',
    'Received: from x',
    '\tby smtp-sink (smtp-sink) with ESMTP id 1;',
    '\tThu, 1 Jan 2026 00:00:00 +0000 (UTC)',
    'Subject: hello',
    '',
    'body',
  ].join('\n');
  const message = parseMessage(raw);
  assert.deepEqual(message.all('X-Rcpt-Args').flatMap(addresses), ['a@example.test', 'b@example.test']);
  assert.equal(message.subject, 'hello');
  assert.equal(message.text, 'body');
});

test('mime reader: adjacent encoded-words join without the space between them', () => {
  assert.equal(decodeEncodedWords('=?utf-8?q?a?= =?utf-8?q?b?= c'), 'ab c');
});

test('html helpers: csrf value, element text, entity decoding', () => {
  const html =
    '<form><input type="hidden" name="csrf" value="a&amp;b&quot;c">' +
    '<p class="field-error" id="error-email">Bad <em>address</em> &lt;x&gt;</p></form>';
  assert.equal(hiddenValue(html, 'csrf'), 'a&b"c');
  assert.equal(textById(html, 'error-email'), 'Bad address <x>');
  assert.equal(findTags(html, 'input')[0].type, 'hidden');
  assert.equal(decodeEntities('&#x3C;&#60;&amp;'), '<<&');
});
