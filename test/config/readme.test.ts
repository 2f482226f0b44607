import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { withOptions } from '../../scripts/options-doc.js';
import { ROOT } from '../helpers/fixtures.js';

it('the README option list is the one generated from the option table (run npm run docs)', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  assert.equal(readme, withOptions(readme));
});
