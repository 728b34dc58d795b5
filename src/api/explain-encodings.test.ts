/** explain on a trace in UTF-16 or UTF-8 with BOM: the same explanation, line numbers included, as of its UTF-8 twin. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../test/shared.js';
import { loadModelSync } from '../model/index.js';
import { explainSync } from './explain.js';

describe('explain in every encoding', () => {
  it('numbers the lines of a UTF-16 trace as of its UTF-8 twin', () => {
    const model = loadModelSync(join(projectRoot, 'models', 'default.ntmd'));
    const text = readFileSync(join(projectRoot, 'fixtures', 'nttrace', 'cmd-hostname.master.log'), 'utf8');
    const want = explainSync(Buffer.from(text, 'utf8'), { model, top: 5 });
    expect(want.lineNumbers).toBe(true);
    const twins = {
      'utf-16le-bom': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
      'utf-16be': Buffer.from(text, 'utf16le').swap16(),
      'utf-8-bom': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]),
    };
    for (const [name, bytes] of Object.entries(twins)) {
      const got = explainSync(bytes, { model, top: 5 });
      expect(got.lineNumbers, name).toBe(true);
      expect(got, name).toEqual(want);
    }
  });
});
