// Hostile input: oversized bodies, invalid UTF-8, markup in every text field, forged form
// posts, odd requests. Each gets a clear answer; none a 500 (every request made through the
// harness asserts that) and none crashes the server.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { apiReport, errorsOf, formFields, INVENTORY_CSV, names } from './lib/fixtures.mjs';
import { useServer } from './lib/suite.mjs';
import {
  findTags, loginDesk, openReportForm, rawRequest, submitReportForm, textById,
} from './lib/vigie.mjs';

const server = useServer({ inventoryCsv: INVENTORY_CSV, staff: true });

// A value that breaks out of text, of a quoted attribute and of a textarea if not escaped.
const payload = (field) => `x"'></textarea><script>alert("${field}")</script><img src=x onerror=alert(1)>`;

// Fails when `html` holds live markup from the payload.
function assertEscaped(html, where) {
  for (const live of ['<script>alert(', '<img src=x onerror', '</textarea><script']) {
    const at = html.indexOf(live);
    assert.equal(at, -1, `${where} echoes markup unescaped: ...${html.slice(Math.max(0, at - 200), at + 80)}...`);
  }
}

function assertHasEscaped(html, where) {
  assert.ok(/&lt;script&gt;alert\(/.test(html) || /&#0*60;script&#0*62;alert\(/.test(html),
    `${where} does not show the submitted markup at all (expected it escaped)`);
}

describe('oversized bodies', () => {
  test('a 16 MiB API body announced with Expect: 100-continue is refused with 413', async () => {
    const body = `{"description": "${'a'.repeat(16 * 1024 * 1024)}"}`;
    const res = await rawRequest(server.vigie.url('/api/v1/reports'), {
      method: 'POST', body, headers: { 'content-type': 'application/json', expect: '100-continue' },
    });
    assert.equal(res.status, 413, res.describe());
  });

  // Browsers send the body straight away: the 413 must still reach them, which needs the
  // server to keep reading (and discarding) for a moment after answering rather than closing
  // on unread data, which resets the connection and loses the answer.
  test('a 16 MiB API body is refused with 413', async () => {
    const body = `{"description": "${'a'.repeat(16 * 1024 * 1024)}"}`;
    const res = await rawRequest(server.vigie.url('/api/v1/reports'), {
      method: 'POST', body, headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 413, res.describe());
  });

  test('a 16 MiB form body is refused with 413', async () => {
    const body = `description=${'a'.repeat(16 * 1024 * 1024)}`;
    const res = await rawRequest(server.vigie.url('/reports'), {
      method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(res.status, 413, res.describe());
  });

  test('a Content-Length announcing 1 GiB is refused before the body arrives', async () => {
    const res = await new Promise((resolve, reject) => {
      import('node:net').then(({ default: net }) => {
        const socket = net.connect({ host: '127.0.0.1', port: server.vigie.port }, () => {
          socket.write('POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n{');
        });
        let data = '';
        socket.setEncoding('latin1');
        socket.on('data', (chunk) => {
          data += chunk;
          if (/\r\n\r\n/.test(data)) {
            socket.destroy();
            resolve(data);
          }
        });
        socket.setTimeout(15000, () => {
          socket.destroy();
          reject(new Error('no answer within 15 s to a 1 GiB Content-Length'));
        });
        socket.on('error', reject);
      });
    });
    assert.match(res, /^HTTP\/1\.[01] 413/, res.slice(0, 200));
  });

  test('a 100 KiB URL and a 100 KiB header are refused, not crashed on', async () => {
    const longUrl = await rawRequest(server.vigie.url(`/?q=${'a'.repeat(100 * 1024)}`));
    assert.ok([400, 404, 414, 431].includes(longUrl.status) || longUrl.status === 200, longUrl.describe());
    const longHeader = await rawRequest(server.vigie.url('/healthz'), { headers: { 'x-junk': 'b'.repeat(100 * 1024) } }).catch((e) => e);
    if (!(longHeader instanceof Error)) {
      assert.ok(longHeader.status < 500, longHeader.describe());
    }
    assert.equal((await server.vigie.get('/healthz')).status, 200);
  });
});

describe('invalid UTF-8', () => {
  test('in an API description: 422 naming the description (or the body)', async () => {
    const json = Buffer.from(JSON.stringify(apiReport({ description: 'Broken bytes here: XX end of text' })));
    const at = json.indexOf('XX');
    json[at] = 0xc3;
    json[at + 1] = 0x28;
    const res = await server.vigie.postReport(json);
    assert.equal(res.status, 422, res.describe());
    const errors = errorsOf(res);
    assert.ok(names(errors, 'description') || names(errors, 'body'), res.describe());
  });

  test('in form fields: 422 with the error beside each field', async () => {
    const session = server.vigie.session();
    const form = await openReportForm(session);
    const body = formFields()
      .concat([['csrf', form.csrf]])
      .map(([name, value]) => {
        if (name === 'description') return 'description=Invalid+bytes+%FF%FE+in+this+description';
        if (name === 'first_name') return 'first_name=Zo%C0%AF';
        return `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
      })
      .join('&');
    const res = await session.request('POST', new URL(form.action, server.vigie.baseUrl).pathname, {
      body, headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(res.status, 422, res.describe());
    assert.ok(textById(res.text, 'error-description'), `no #error-description:\n${res.describe()}`);
    assert.ok(textById(res.text, 'error-first_name'), `no #error-first_name:\n${res.describe()}`);
  });
});

describe('markup in every text field comes back escaped', () => {
  test('the form\'s error page escapes every kept value', async () => {
    const session = server.vigie.session();
    const form = await openReportForm(session);
    const fields = [
      'targets', 'abuse_date', 'abuse_time', 'abuse_zone', 'abuse_type', 'reporter_kind',
      'first_name', 'last_name', 'legal_form', 'company_name', 'authority_name', 'email',
      'description', 'language', 'share_email',
    ].map((name) => [name, payload(name)]);
    const { exchange } = await submitReportForm(session, fields, form);
    assert.equal(exchange.status, 422, exchange.describe());
    assertEscaped(exchange.text, 'the form error page');
    assertHasEscaped(exchange.text, 'the form error page');
    assert.ok(textById(exchange.text, 'error-good_faith'), 'missing good faith is not reported');
  });

  test('the API\'s 422 is JSON, never HTML', async () => {
    const res = await server.vigie.postReport(apiReport({ targets: [payload('targets')], reporter: { email: payload('email') } }));
    assert.equal(res.status, 422, res.describe());
    assert.match(res.header('content-type') ?? '', /json/);
  });

  test('the desk case page escapes a report filed through the API', async () => {
    const { vigie } = server;
    const filed = await vigie.fileReport(apiReport({
      targets: ['192.0.2.14'],
      abuse_type: 'copyright',
      reporter: { kind: 'legal_entity', name: payload('name'), legal_form: payload('legal_form').slice(0, 95), email: 'rights@reporter.test' },
      description: `Infringing copies are offered here. ${payload('description')}`,
    }));
    const { summary } = await vigie.caseOfReport(filed.reference);
    const desk = await loginDesk(vigie);
    const page = await desk.get(`/desk/cases/${summary.id}`);
    assert.equal(page.status, 200, page.describe());
    assertEscaped(page.text, 'the desk case page');
    assertHasEscaped(page.text, 'the desk case page');

    const queue = await desk.get('/desk');
    assert.equal(queue.status, 200, queue.describe());
    assertEscaped(queue.text, 'the desk queue');

    const status = await vigie.get(new URL(filed.status_url, server.vigie.baseUrl).pathname + new URL(filed.status_url, server.vigie.baseUrl).search);
    assertEscaped(status.text, 'the status page');
  });

  test('the desk case page and the confirmation escape a report filed through the form', async () => {
    const { vigie } = server;
    const session = vigie.session();
    const form = await openReportForm(session);
    const { exchange, page, reference } = await submitReportForm(session, formFields({
      targets: '192.0.2.15',
      abuse_type: 'scam',
      first_name: payload('first_name').slice(0, 150),
      last_name: payload('last_name').slice(0, 150),
      description: `Fake shop taking payments. ${payload('description')}`,
    }), form);
    assert.ok([200, 201, 303].includes(exchange.status), exchange.describe());
    assertEscaped(page.text, 'the confirmation page');
    assert.ok(reference, `no #reference on the confirmation:\n${page.describe()}`);

    const { summary } = await vigie.caseOfReport(reference);
    const desk = await loginDesk(vigie);
    const casePage = await desk.get(`/desk/cases/${summary.id}`);
    assert.equal(casePage.status, 200, casePage.describe());
    assertEscaped(casePage.text, 'the desk case page');
    assertHasEscaped(casePage.text, 'the desk case page');
  });

  test('a decision message with markup is escaped in the timeline', async () => {
    const { vigie } = server;
    const filed = await vigie.fileReport(apiReport({ targets: ['198.51.100.12'], abuse_type: 'malware' }));
    const { summary } = await vigie.caseOfReport(filed.reference);
    const res = await vigie.decide(summary.id, { action: 'reject', reason: 'other', message: payload('message') });
    assert.equal(res.status, 201, res.describe());
    const desk = await loginDesk(vigie);
    const page = await desk.get(`/desk/cases/${summary.id}`);
    assertEscaped(page.text, 'the case timeline');
    assertHasEscaped(page.text, 'the case timeline');
  });
});

describe('markup in paths, query strings and the sign-in form comes back escaped', () => {
  test('public pages', async () => {
    const { vigie } = server;
    const q = encodeURIComponent(payload('query'));
    for (const path of [`/?lang=${q}`, `/${q}`, `/status/${q}?token=${q}`, `/status/VG-0000000000?token=${q}`, `/static/${q}`]) {
      const res = await vigie.get(path);
      assertEscaped(res.text, `GET ${path.slice(0, 40)}...`);
    }
  });

  test('desk pages and the sign-in form', async () => {
    const { vigie } = server;
    const session = vigie.session();
    const page = await session.get('/desk/login');
    const csrf = findTags(page.text, 'input').find((i) => i.name === 'csrf')?.value;
    const failed = await session.postForm('/desk/login', { email: payload('email'), password: 'x', csrf });
    assertEscaped(failed.text, 'the sign-in page after a failed sign-in');

    const desk = await loginDesk(vigie);
    const q = encodeURIComponent(payload('filter'));
    for (const path of [`/desk?status=${q}&abuse_type=${q}&age=${q}`, `/desk/cases/${q}`]) {
      const res = await desk.get(path);
      assertEscaped(res.text, `GET ${path.slice(0, 40)}...`);
    }
  });
});

describe('forged and odd requests', () => {
  test('a form post without the csrf token, or with a wrong one, is 403', async () => {
    const session = server.vigie.session();
    const form = await openReportForm(session);
    const path = new URL(form.action, server.vigie.baseUrl).pathname;
    const missing = await session.postForm(path, formFields());
    assert.equal(missing.status, 403, missing.describe());
    const wrong = await session.postForm(path, [...formFields(), ['csrf', 'forged-token-value']]);
    assert.equal(wrong.status, 403, wrong.describe());
    const stranger = server.vigie.session();
    const noCookie = await stranger.postForm(path, [...formFields(), ['csrf', form.csrf]]);
    assert.ok([403, 200, 201, 303].includes(noCookie.status), noCookie.describe());
  });

  test('a desk sign-in without the csrf token is 403, a wrong password is refused', async () => {
    const { vigie } = server;
    const session = vigie.session();
    await session.get('/desk/login');
    const forged = await session.postForm('/desk/login', { email: vigie.staffEmail, password: vigie.staffPassword });
    assert.equal(forged.status, 403, forged.describe());

    const page = await session.get('/desk/login');
    const csrf = findTags(page.text, 'input').find((i) => i.name === 'csrf')?.value;
    const wrong = await session.postForm('/desk/login', { email: vigie.staffEmail, password: 'wrong password', csrf });
    assert.ok([200, 401, 403, 422].includes(wrong.status), `a wrong password must not sign in: ${wrong.describe()}`);
    const desk = await session.get('/desk');
    assert.ok([302, 303, 401].includes(desk.status), `the desk opened without a valid sign-in: ${desk.describe()}`);
  });

  test('the desk and its case pages need a sign-in', async () => {
    const session = server.vigie.session();
    for (const path of ['/desk', '/desk/cases/1']) {
      const res = await session.get(path);
      assert.ok([302, 303, 401].includes(res.status), res.describe());
      if (res.status !== 401) assert.match(res.header('location') ?? '', /\/desk\/login/, res.describe());
    }
  });

  test('odd methods, paths and headers get 4xx', async () => {
    const { vigie } = server;
    const checks = [
      ['DELETE', '/api/v1/reports', [404, 405]],
      ['PUT', '/', [404, 405]],
      ['GET', '/static/../../../../etc/passwd', [400, 403, 404]],
      ['GET', '/%2e%2e/%2e%2e/etc/passwd', [400, 403, 404]],
      ['GET', '/api/v1/reports/../../../etc/passwd', [400, 401, 403, 404]],
      ['GET', '/no/such/page', [404]],
    ];
    for (const [method, path, allowed] of checks) {
      const res = await vigie.request(method, path);
      assert.ok(allowed.includes(res.status), res.describe());
      assert.doesNotMatch(res.text, /root:x:0:0/, 'path traversal');
    }
    const weird = await vigie.get('/', { headers: { 'accept-language': ';;;q=abc,,*-*;q=9' } });
    assert.equal(weird.status, 200, weird.describe());
    const cookie = await vigie.get('/desk', { headers: { cookie: 'vigie_session=%%%; =; ;;' } });
    assert.ok([302, 303, 400, 401].includes(cookie.status), cookie.describe());
    const json = await vigie.request('POST', '/api/v1/reports', { body: 'targets=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.ok([400, 415, 422].includes(json.status), json.describe());
  });
});

describe('security headers', () => {
  // Every answer with a body says nosniff; every HTML page carries a strict CSP.
  function checkHeaders(res) {
    if (res.status >= 300 && res.status < 400 && res.body.length === 0) return;
    assert.equal(res.header('x-content-type-options'), 'nosniff', res.describe());
    const isPage = /text\/html/.test(res.header('content-type') ?? '');
    const csp = res.header('content-security-policy');
    if (!isPage && !csp) return;
    assert.ok(csp, `no Content-Security-Policy:\n${res.describe()}`);
    const directives = Object.fromEntries(
      csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
        const [name, ...values] = d.split(/\s+/);
        return [name.toLowerCase(), values];
      }),
    );
    const script = directives['script-src'] ?? directives['default-src'];
    assert.ok(script, `CSP sets neither script-src nor default-src: ${csp}`);
    for (const bad of ["'unsafe-inline'", "'unsafe-eval'", '*', 'data:', 'http:', 'https:']) {
      assert.ok(!script.includes(bad), `CSP allows ${bad} for scripts: ${csp}`);
    }
    if (/text\/html/.test(res.header('content-type') ?? '')) {
      const inline = findTags(res.text, 'script').filter((s) => !s.src);
      assert.equal(inline.length, 0, `inline <script> on ${res.url}`);
      assert.doesNotMatch(res.text, /\son[a-z]+\s*=\s*["']/i, `inline event handler on ${res.url}`);
    }
  }

  test('every page carries a strict CSP and nosniff, and no inline script', async () => {
    const { vigie } = server;
    const session = vigie.session();
    for (const path of ['/', '/?lang=fr', '/?lang=en', '/desk/login', '/desk', '/no/such/page', '/static/../x']) {
      checkHeaders(await session.get(path));
    }
    const filed = await vigie.fileReport(apiReport({ targets: ['198.51.100.13'], abuse_type: 'spam' }));
    const status = new URL(filed.status_url, server.vigie.baseUrl);
    checkHeaders(await vigie.get(status.pathname + status.search));
    const desk = await loginDesk(vigie);
    checkHeaders(await desk.get('/desk'));
    const { summary } = await vigie.caseOfReport(filed.reference);
    checkHeaders(await desk.get(`/desk/cases/${summary.id}`));
  });

  test('API answers say nosniff too', async () => {
    const { vigie } = server;
    const filed = await vigie.fileReport(apiReport({ targets: ['198.51.100.14'], abuse_type: 'spam' }));
    for (const res of [
      filed.exchange,
      await vigie.postReport({}),
      await vigie.get('/api/v1/openapi.json'),
      await vigie.get(`/api/v1/reports/${filed.reference}`, { token: filed.token }),
      await vigie.get('/api/v1/cases'),
    ]) {
      assert.equal(res.header('x-content-type-options'), 'nosniff', res.describe());
    }
  });

  test('the session cookie is HttpOnly and SameSite', async () => {
    const { vigie } = server;
    const session = vigie.session();
    const page = await session.get('/desk/login');
    const csrf = findTags(page.text, 'input').find((i) => i.name === 'csrf')?.value;
    const res = await session.postForm('/desk/login', { email: vigie.staffEmail, password: vigie.staffPassword, csrf });
    let cookies = res.header('set-cookie') ?? [];
    if (!Array.isArray(cookies)) cookies = [cookies];
    assert.ok(cookies.length > 0, `sign-in sets no cookie: ${res.describe()}`);
    for (const cookie of cookies) {
      assert.match(cookie, /;\s*HttpOnly/i, cookie);
      assert.match(cookie, /;\s*SameSite=(Lax|Strict)/i, cookie);
    }
  });
});

test('the server is still healthy after all of the above', async () => {
  const health = await server.vigie.get('/healthz');
  assert.equal(health.status, 200, health.describe());
  assert.ok(server.vigie.alive());
});
