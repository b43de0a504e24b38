// Every XARF v4 sample of the shared corpus is accepted through the API.
//
// The samples were written in January 2025 and vigie refuses abuse seen more than a
// (configurable) year ago, so each sample is sent with its "timestamp" moved to an hour ago,
// the rest of the document byte for byte. The untouched sample must be accepted or refused on
// "timestamp" alone, never crash the server.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import { errorsOf, hoursAgo } from './lib/fixtures.mjs';
import { useServer } from './lib/suite.mjs';
import { sharedDir, xarfSampleDir } from './lib/vigie.mjs';

const sampleDir = xarfSampleDir();
const samples = sampleDir
  ? fs.readdirSync(sampleDir).filter((name) => name.endsWith('.json')).sort()
  : [];

if (!sampleDir) {
  test(`XARF v4 samples (${path.join(sharedDir, 'corpus/xarf/samples/v4')} is absent)`, { skip: 'shared/ is not beside the repository' }, () => {});
} else {
  const server = useServer({ staff: true });

  // The sample with its timestamp set to `instant`, everything else unchanged.
  function retimed(text, instant) {
    const replaced = text.replace(/("timestamp"\s*:\s*")[^"]*(")/, `$1${instant.toISOString().replace(/\.\d+Z$/, 'Z')}$2`);
    assert.notEqual(replaced, text, 'sample has no timestamp member');
    return replaced;
  }

  describe('XARF v4 samples', () => {
    test('the corpus is not empty', () => {
      assert.ok(samples.length > 0, `no .json file in ${sampleDir}`);
    });

    for (const name of samples) {
      test(`${name} is accepted with 201`, async () => {
        const text = fs.readFileSync(path.join(sampleDir, name), 'utf8');
        const filed = await server.vigie.fileReport(retimed(text, hoursAgo(1)));
        const status = await server.vigie.get(`/api/v1/reports/${filed.reference}`, { token: filed.token });
        assert.equal(status.status, 200, status.describe());
      });
    }

    test('the samples as written (January 2025) are accepted or refused on "timestamp" only', async () => {
      for (const name of samples) {
        const text = fs.readFileSync(path.join(sampleDir, name), 'utf8');
        const res = await server.vigie.postReport(text);
        if (res.status === 201) continue;
        assert.equal(res.status, 422, `${name}: ${res.describe()}`);
        const fields = errorsOf(res).map((e) => e.field);
        assert.deepEqual(fields, ['timestamp'], `${name}: ${res.describe()}`);
      }
    });

    test('a XARF phishing report lands in a case of type phishing', async () => {
      const name = samples.find((s) => s === 'content-phishing.json');
      if (!name) return;
      const text = fs.readFileSync(path.join(sampleDir, name), 'utf8');
      const filed = await server.vigie.fileReport(retimed(text, hoursAgo(2)));
      const { summary } = await server.vigie.caseOfReport(filed.reference);
      assert.equal(summary.abuse_type, 'phishing', JSON.stringify(summary));
    });

    test('a XARF version other than 4 is refused with 422, not 500', async () => {
      const res = await server.vigie.postReport({ xarf_version: '3.0.0', category: 'content', type: 'phishing' });
      assert.equal(res.status, 422, res.describe());
      errorsOf(res);
    });

    test('an incomplete XARF report names what is missing', async () => {
      const res = await server.vigie.postReport({ xarf_version: '4.2.0', category: 'content', type: 'phishing' });
      assert.equal(res.status, 422, res.describe());
      assert.ok(errorsOf(res).length > 0);
    });
  });
}
