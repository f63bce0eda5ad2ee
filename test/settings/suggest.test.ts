import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closest, didYouMean, editDistance } from '../../src/settings/suggest';
import { SETTING_KEYS } from '../../src/settings/table';

describe('did-you-mean', () => {
  it('counts insertions, deletions and substitutions', () => {
    assert.equal(editDistance('', ''), 0);
    assert.equal(editDistance('abc', 'abc'), 0);
    assert.equal(editDistance('maxSesions', 'maxSessions'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
  });

  it('suggests the nearest setting for a typo, and nothing for a different word', () => {
    assert.equal(closest('maxSesions', SETTING_KEYS), 'maxSessions');
    assert.equal(closest('logleve', SETTING_KEYS), 'logLevel', 'case is ignored');
    assert.equal(closest('dataDri', SETTING_KEYS), 'dataDir');
    assert.equal(closest('colour', SETTING_KEYS), undefined);
    assert.equal(didYouMean('maxPeer', SETTING_KEYS), ' — did you mean "maxPeers"?');
    assert.equal(didYouMean('somethingElse', SETTING_KEYS), '');
  });
});
