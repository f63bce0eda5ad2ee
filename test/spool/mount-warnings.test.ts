/** Start-time warnings about a shared spool (src/spool/mount-warnings.ts), from given mount lines and clock readings. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clockSkewMs, clockWarning, mountWarnings, slowCaches } from '../../src/spool/mount-warnings';
import { parseMounts } from '../../src/spool/mounts';

function mount(line: string) {
  return parseMounts(line)[0]!;
}

describe('mount warnings', () => {
  it('says nothing about a local file system, or about no mount at all', () => {
    assert.deepEqual(mountWarnings(mount('/dev/vda1 /srv ext4 rw,relatime 0 0')), []);
    assert.deepEqual(mountWarnings(null), []);
  });

  it('says nothing about NFS with actimeo=1 or noac', () => {
    // The kernel lists actimeo=1 as the four cache times.
    assert.deepEqual(mountWarnings(mount('s:/e /srv nfs4 rw,vers=4.2,acregmin=1,acregmax=1,acdirmin=1,acdirmax=1 0 0')), []);
    assert.deepEqual(mountWarnings(mount('s:/e /srv nfs4 rw,vers=4.2,actimeo=1 0 0')), []);
    assert.deepEqual(mountWarnings(mount('s:/e /srv nfs rw,vers=3,noac,lookupcache=none 0 0')), []);
  });

  it('warns about NFS with the default cache times, naming each and the lookup cache', () => {
    const warnings = mountWarnings(mount('s:/e /srv nfs4 rw,vers=4.2,hard 0 0'));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /actimeo=1/);
    assert.equal(warnings[0]!.fields.caches, 'acregmin=3 (default),acregmax=60 (default),acdirmin=30 (default),acdirmax=60 (default)');
    assert.equal(warnings[0]!.fields.lookupcache, 'all (default)');
  });

  it('warns about any cache time past one second, even with the others small', () => {
    assert.deepEqual(slowCaches(mount('s:/e /srv nfs4 rw,acregmin=1,acregmax=1,acdirmin=1,acdirmax=5,lookupcache=positive 0 0')), ['acdirmax=5']);
    assert.deepEqual(slowCaches(mount('s:/e /srv nfs4 rw,actimeo=1,acdirmax=2 0 0')), ['acdirmax=2']);
  });

  it('warns about nocto, and about other network file systems', () => {
    const nocto = mountWarnings(mount('s:/e /srv nfs rw,vers=3,actimeo=1,nocto 0 0'));
    assert.deepEqual(nocto.map((w) => /nocto/.test(w.message)), [true]);
    const cifs = mountWarnings(mount('//f/s /srv cifs rw 0 0'));
    assert.equal(cifs.length, 1);
    assert.equal(cifs[0]!.fields.type, 'cifs');
  });
});

describe('clock warnings', () => {
  it('measures how far a file time lies outside the readings around its creation', () => {
    assert.equal(clockSkewMs(1000, 1000, 1005), 0);
    assert.equal(clockSkewMs(1000, 990, 1005), -10);
    assert.equal(clockSkewMs(1000, 4005, 1005), 3000);
  });

  it('warns past one second either way, not within it', () => {
    assert.equal(clockWarning(10_000, 9_500, 10_010), null);
    assert.equal(clockWarning(10_000, 11_000, 10_010), null);
    const ahead = clockWarning(10_000, 12_510, 10_010);
    assert.match(ahead?.message ?? '', /NTP/);
    assert.equal(ahead?.fields.differenceMs, '2500');
    assert.equal(clockWarning(10_000, 8_000, 10_010)?.fields.differenceMs, '-2000');
  });
});
