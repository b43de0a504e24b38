// The SMTP sink helper, checked with a hand-written SMTP client: if this fails, the mail tests
// cannot be trusted.

import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';

import { startSmtpSink } from './lib/smtp.mjs';

// Speaks just enough SMTP to hand one message over.
function sendMail(port, from, recipients, data) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const script = [
      'EHLO client.test',
      `MAIL FROM:<${from}>`,
      ...recipients.map((r) => `RCPT TO:<${r}>`),
      'DATA',
      `${data.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..')}\r\n.`,
      'QUIT',
    ];
    let buffer = '';
    let step = 0;
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      buffer += chunk;
      // Wait for complete final reply lines ("250 ..." rather than "250-...").
      while (/^\d{3} .*\r?\n/m.test(buffer)) {
        const match = /^(\d{3}) .*\r?\n/m.exec(buffer);
        buffer = buffer.slice(match.index + match[0].length);
        if (match[1][0] !== '2' && match[1][0] !== '3') {
          socket.destroy();
          reject(new Error(`SMTP error: ${match[0]}`));
          return;
        }
        if (step < script.length) socket.write(`${script[step++]}\r\n`);
      }
    });
    socket.on('close', resolve);
    socket.on('error', reject);
  });
}

test('smtp-sink captures a message with its envelope and decoded body', async () => {
  const sink = await startSmtpSink();
  try {
    await sendMail(sink.port, 'abuse@vigie.test', ['one@example.test', 'two@example.test'], [
      'From: abuse@vigie.test',
      'To: one@example.test',
      'Subject: =?utf-8?q?R=C3=A9f=C3=A9rence_VG-ABCDEFGHJK?=',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Ligne =C3=A0 lire',
      '.starts with a dot',
    ].join('\n'));
    const [message] = await sink.waitFor((m) => m.subject.includes('VG-ABCDEFGHJK'), {
      timeout: 5000,
    });
    assert.deepEqual(message.envelope.rcptTo, ['one@example.test', 'two@example.test']);
    assert.equal(message.envelope.mailFrom, 'abuse@vigie.test');
    assert.equal(message.subject, 'Référence VG-ABCDEFGHJK');
    assert.match(message.text, /Ligne à lire/);
    assert.equal(sink.messagesTo('two@example.test').length, 1);
  } finally {
    await sink.stop();
    sink.cleanup();
  }
});
