// The commands around `serve`: inventory import (CSV and JSON Lines), staff accounts and API
// tokens, as an operator runs them.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { apiReport } from './lib/fixtures.mjs';
import { databaseArgs, makeDataDir, sleep, startVigie, vigieBin } from './lib/vigie.mjs';

const dirs = [];
function dataDir() {
  const dir = makeDataDir('vigie-cli-');
  dirs.push(dir);
  return dir;
}
after(() => {
  if (process.env.VIGIE_KEEP_DATA === '1') return;
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

// Runs vigie; on PostgreSQL, a command that names a data directory gets its database too.
function vigie(args, { input = '' } = {}) {
  const data = args.indexOf('--data');
  const full = data >= 0 ? [...args, ...databaseArgs(args[data + 1])] : args;
  const result = spawnSync(vigieBin, full, { input, encoding: 'utf8', timeout: 60000 });
  return { code: result.status, out: result.stdout, err: result.stderr, all: `${result.stdout}${result.stderr}` };
}

const HEADER = 'customer_id,customer_name,customer_email,service_id,service_kind,resource,valid_from,valid_to';

describe('vigie inventory import', () => {
  test('a CSV with one bad row imports the others and names the bad row\'s line and fields', () => {
    const dir = dataDir();
    const file = path.join(dir, 'inventory.csv');
    fs.writeFileSync(file, [
      HEADER,
      'c1,One,one@one.test,s1,vps,192.0.2.0/25,2020-01-01T00:00:00Z,',
      'c2,Two,not-an-email,s2,vps,192.0.2.300,2020-01-01T00:00:00Z,',
      'c3,Three,three@three.test,s3,vps,192.0.2.128/25,2020-01-01T00:00:00Z,',
      '',
    ].join('\n'));
    const run = vigie(['inventory', 'import', file, '--data', dir]);
    assert.match(run.all, /:3\b/, `the bad row's line is not named:\n${run.all}`);
    assert.match(run.all, /customer_email/, run.all);
    assert.match(run.all, /resource/, run.all);
    const imported = /imported (\d+)/.exec(run.all);
    assert.ok(imported, run.all);
    assert.equal(imported[1], '2', run.all);
    const skipped = /skipped (\d+) rows?/.exec(run.all);
    if (skipped) assert.equal(skipped[1], '1', `one row was skipped (with two problems):\n${run.all}`);
  });

  test('a CSV with a wrong header imports nothing and fails', () => {
    const dir = dataDir();
    const file = path.join(dir, 'inventory.csv');
    fs.writeFileSync(file, 'customer,ip\nc1,192.0.2.1\n');
    const run = vigie(['inventory', 'import', file, '--data', dir]);
    assert.notEqual(run.code, 0, run.all);
  });

  test('a missing file fails with a message, not a crash', () => {
    const dir = dataDir();
    const run = vigie(['inventory', 'import', path.join(dir, 'nope.csv'), '--data', dir]);
    assert.notEqual(run.code, 0);
    assert.ok(run.code < 128, `killed by a signal: ${run.code}`);
    assert.ok(run.err.length > 0);
  });

  test('JSON Lines import attributes reports like CSV', async () => {
    const dir = dataDir();
    const file = path.join(dir, 'inventory.jsonl');
    fs.writeFileSync(file, `${JSON.stringify({
      customer_id: 'c-json', customer_name: 'Json Ltd', customer_email: 'ops@json.test', service_id: 's-json',
      service_kind: 'vps', resource: '203.0.113.0/26', valid_from: '2020-01-01T00:00:00Z', valid_to: null,
    })}\n`);
    const run = vigie(['inventory', 'import', file, '--data', dir]);
    assert.equal(run.code, 0, run.all);

    const password = 'a long enough password';
    assert.equal(vigie(['user', 'add', 'ops@vigie.test', '--role', 'agent', '--data', dir], { input: `${password}\n` }).code, 0);
    const token = vigie(['token', 'add', 'ops@vigie.test', '--data', dir]).out.trim().split('\n').pop();
    const server = await startVigie({ dataDir: dir });
    server.staffToken = token;
    try {
      const filed = await server.fileReport(apiReport({ targets: ['203.0.113.9'], abuse_type: 'botnet' }));
      const { summary } = await server.caseOfReport(filed.reference);
      assert.equal(summary.customer_id, 'c-json');
      assert.equal(summary.service_id, 's-json');
    } finally {
      await server.stop({ cleanup: false });
    }
  });

  test('an import while the server runs reaches its attribution without a restart', async () => {
    const dir = dataDir();
    const server = await startVigie({ dataDir: dir, staff: true });
    try {
      const before = await server.fileReport(apiReport({ targets: ['203.0.113.70'], abuse_type: 'spam' }));
      assert.equal((await server.caseOfReport(before.reference)).summary.service_id, '');

      const file = path.join(dir, 'later.csv');
      fs.writeFileSync(file, `${HEADER}\nc-later,Later Ltd,ops@later.test,s-later,vps,203.0.113.64/26,2020-01-01T00:00:00Z,\n`);
      const run = vigie(['inventory', 'import', file, '--data', dir]);
      assert.equal(run.code, 0, run.all);
      // The server sees the import within seconds (a poll on SQLite, a notification on
      // PostgreSQL) and says so in its log.
      const deadline = Date.now() + 60000;
      while (!/event=attribution_index_rebuilt/.test(server.stderr)) {
        assert.ok(Date.now() < deadline, `no index rebuild logged:\n${server.stderr.slice(-2000)}`);
        await sleep(100);
      }

      const after = await server.fileReport(apiReport({ targets: ['203.0.113.71'], abuse_type: 'malware' }));
      const { summary } = await server.caseOfReport(after.reference);
      assert.equal(summary.customer_id, 'c-later');
      assert.equal(summary.service_id, 's-later');
    } finally {
      await server.stop({ cleanup: false });
    }
  });
});

describe('vigie user add / token add', () => {
  test('a short password, an unknown role and a token for nobody are refused', () => {
    const dir = dataDir();
    assert.notEqual(vigie(['user', 'add', 'a@vigie.test', '--role', 'agent', '--data', dir], { input: 'short\n' }).code, 0);
    assert.notEqual(vigie(['user', 'add', 'a@vigie.test', '--role', 'god', '--data', dir], { input: 'a long enough password\n' }).code, 0);
    assert.notEqual(vigie(['token', 'add', 'nobody@vigie.test', '--data', dir]).code, 0);
  });

  test('the password is read from stdin and never echoed; each token is new', () => {
    const dir = dataDir();
    const password = 'secret-password-that-must-not-show';
    const add = vigie(['user', 'add', 'b@vigie.test', '--role', 'admin', '--data', dir], { input: `${password}\n` });
    assert.equal(add.code, 0, add.all);
    assert.ok(!add.all.includes(password), 'the password was printed');
    const first = vigie(['token', 'add', 'b@vigie.test', '--data', dir]);
    const second = vigie(['token', 'add', 'b@vigie.test', '--data', dir]);
    assert.equal(first.code, 0, first.all);
    const a = first.out.trim().split('\n').pop();
    const b = second.out.trim().split('\n').pop();
    assert.ok(a.length >= 20, `token too short: ${a}`);
    assert.notEqual(a, b);
  });
});
