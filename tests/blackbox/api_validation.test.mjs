// What the API refuses: 422 with {"errors": [{"field", "message"}]} naming every problem of a
// submission at once, never a 500.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { apiReport, errorsOf, hoursAgo, names, rfc3339 } from './lib/fixtures.mjs';
import { useServer } from './lib/suite.mjs';

const server = useServer({});

async function refused(report, field) {
  const res = await server.vigie.postReport(report);
  assert.equal(res.status, 422, `expected 422 naming ${field}:\n${res.describe()}`);
  assert.match(res.header('content-type') ?? '', /^application\/(problem\+)?json/, res.describe());
  const errors = errorsOf(res);
  assert.ok(names(errors, field), `no error names "${field}":\n${res.describe()}`);
  return errors;
}

describe('422 names every problem', () => {
  test('a report wrong in six ways gets six named errors in one answer', async () => {
    const res = await server.vigie.postReport({
      targets: ['999.1.1.1', 'not a host!'],
      abuse_type: 'no_such_type',
      observed_at: '2024-13-45T25:00:00+01:00',
      reporter: { kind: 'person', name: 'Eve', email: 'not-an-email', share_email: false },
      description: '',
      good_faith: false,
      language: 'en',
    });
    assert.equal(res.status, 422, res.describe());
    const errors = errorsOf(res);
    for (const field of ['targets[0]', 'targets[1]', 'abuse_type', 'observed_at', 'reporter.email', 'description', 'good_faith']) {
      assert.ok(
        errors.some((e) => e.field === field),
        `no error on "${field}"; got ${JSON.stringify(errors.map((e) => e.field))}\n${res.describe()}`,
      );
    }
    for (const error of errors) {
      assert.doesNotMatch(error.message, /999\.1\.1\.1|not-an-email/, 'messages must not echo the input');
    }
  });

  test('an empty object names the required fields', async () => {
    const errors = await refused({}, 'targets');
    for (const field of ['abuse_type', 'observed_at', 'good_faith']) {
      assert.ok(names(errors, field), `no error on ${field}: ${JSON.stringify(errors)}`);
    }
  });
});

describe('targets', () => {
  // "host/path" without a scheme is read as an http URL and ftp URLs are targets, so neither
  // "192.0.2.1/33" nor "ftp://..." is wrong; other schemes are.
  for (const bad of ['256.0.0.1', '192.0.2.1.5', '2001:db8:::1', '2001:db8::g', 'http://', 'gopher://example.com/x', 'javascript:alert(1)', 'exa mple.com', '-bad-.example', 'http://256.1.1.1/x']) {
    test(`bad target ${JSON.stringify(bad)} is named`, async () => {
      await refused(apiReport({ targets: [bad] }), 'targets[0]');
    });
  }

  test('the second of two targets is named by its index', async () => {
    const errors = await refused(apiReport({ targets: ['192.0.2.1', '300.1.1.1'] }), 'targets[1]');
    assert.ok(!errors.some((e) => e.field === 'targets[0]'), JSON.stringify(errors));
  });

  test('no target, or targets not a list', async () => {
    await refused(apiReport({ targets: [] }), 'targets');
    await refused(apiReport({ targets: '192.0.2.1' }), 'targets');
  });

  test('too many targets', async () => {
    const many = Array.from({ length: 500 }, (_, i) => `192.0.2.${i % 256}`).map((ip, i) => (i < 256 ? ip : `198.51.100.${i % 256}`));
    await refused(apiReport({ targets: many }), 'targets');
  });

  test('IPv4, IPv6, domain, IDN and URL targets are accepted together', async () => {
    await server.vigie.fileReport(
      apiReport({
        targets: ['192.0.2.9', '2001:db8:1::7', 'example.com', 'bücher.example', 'https://alpha-shop.example/login?x=1'],
      }),
    );
  });
});

describe('abuse time', () => {
  for (const bad of ['2026-02-30T10:00:00+01:00', '2026-01-01T24:61:00Z', 'yesterday', '2026-01-01 10:00', '2026-01-01T10:00:00', '']) {
    test(`observed_at ${JSON.stringify(bad)} is named`, async () => {
      await refused(apiReport({ observed_at: bad }), 'observed_at');
    });
  }

  test('observed_at as a number is named', async () => {
    await refused(apiReport({ observed_at: 1767225600 }), 'observed_at');
  });

  test('a time in the future is refused', async () => {
    const future = new Date(Date.now() + 2 * 24 * 3600 * 1000);
    await refused(apiReport({ observed_at: rfc3339(future, 60) }), 'observed_at');
  });

  test('a time decades ago is refused', async () => {
    await refused(apiReport({ observed_at: '1999-12-31T23:00:00+01:00' }), 'observed_at');
  });

  test('any offset is accepted', async () => {
    await server.vigie.fileReport(apiReport({ observed_at: rfc3339(hoursAgo(10), -570) }));
    await server.vigie.fileReport(apiReport({ observed_at: rfc3339(hoursAgo(10), 0).replace('+00:00', 'Z') }));
  });
});

describe('reporter, type, description, good faith', () => {
  test('missing good_faith, false, or not a boolean', async () => {
    const report = apiReport();
    delete report.good_faith;
    await refused(report, 'good_faith');
    await refused(apiReport({ good_faith: false }), 'good_faith');
    await refused(apiReport({ good_faith: 'yes' }), 'good_faith');
  });

  test('unknown abuse type', async () => {
    await refused(apiReport({ abuse_type: 'PHISHING!' }), 'abuse_type');
  });

  test('a type that needs a name refuses a report without one', async () => {
    await refused(apiReport({ abuse_type: 'copyright', reporter: { name: '' } }), 'reporter.name');
  });

  test('email is required except for child sexual abuse, which may be anonymous', async () => {
    await refused(apiReport({ reporter: { email: '' } }), 'reporter.email');
    await server.vigie.fileReport(
      apiReport({
        abuse_type: 'child_sexual_abuse',
        reporter: { kind: 'person', name: '', email: '', share_email: false },
      }),
    );
  });

  test('bad email addresses', async () => {
    for (const email of ['plainaddress', 'a@b', 'a@@b.test', 'a b@c.test', 'a@b.test\nBcc: x@y.test']) {
      await refused(apiReport({ reporter: { email } }), 'reporter.email');
    }
  });

  test('unknown reporter kind and language', async () => {
    await refused(apiReport({ reporter: { kind: 'alien' } }), 'reporter.kind');
    await refused(apiReport({ language: 'tlh' }), 'language');
  });

  test('a misspelt member is named rather than ignored', async () => {
    await refused(apiReport({ descripton: 'typo' }), 'descripton');
  });

  test('description missing, too short or too long', async () => {
    await refused(apiReport({ description: '' }), 'description');
    await refused(apiReport({ description: 'short' }), 'description');
    await refused(apiReport({ description: 'x'.repeat(20001) }), 'description');
  });

  test('control characters in a single-line field', async () => {
    await refused(apiReport({ reporter: { name: 'Alice\u0000Martin' } }), 'reporter.name');
  });
});

describe('bodies that are not a report', () => {
  for (const [label, body] of [
    ['not JSON', '{"targets": ['],
    ['empty', ''],
    ['a JSON array', '[]'],
    ['a JSON string', '"report"'],
    ['JSON followed by garbage', '{} {}'],
  ]) {
    test(`${label} gives one error on "body"`, async () => {
      const res = await server.vigie.postReport(body);
      assert.ok([400, 422].includes(res.status), res.describe());
      if (res.status === 422) assert.ok(names(errorsOf(res), 'body'), res.describe());
    });
  }

  test('JSON nested a hundred thousand deep is refused without a crash', async () => {
    const depth = 100000;
    const res = await server.vigie.postReport('['.repeat(depth) + ']'.repeat(depth));
    assert.ok([400, 413, 422].includes(res.status), res.describe());
    const health = await server.vigie.get('/healthz');
    assert.equal(health.status, 200);
  });
});
