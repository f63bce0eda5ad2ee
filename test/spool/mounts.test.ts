/** The spool's mount (src/spool/mounts.ts): parsing a mount table given by the test, and telling network file systems. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Spool } from '../../src/spool';
import { isNetworkFs, mountOf, mountOfDirectory, mountOption, parseMounts } from '../../src/spool/mounts';

const TABLE = [
  '/dev/vda1 / ext4 rw,relatime 0 0',
  'proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0',
  '10.250.0.1:/export /srv nfs4 rw,relatime,vers=4.2,acregmin=1,acregmax=1,acdirmin=1,acdirmax=1,hard,proto=tcp 0 0',
  'tmpfs /srv/local tmpfs rw 0 0',
  'srv:/with\\040blank /mnt/a\\040b nfs rw,vers=3 0 0',
  '//files/share /mnt/smb cifs rw,vers=3.1.1 0 0',
  'sshfs#me@h: /mnt/ssh fuse.sshfs rw 0 0',
].join('\n');

describe('mount table', () => {
  const mounts = parseMounts(TABLE);

  it('reads every line into source, mount point, type and options, blanks unescaped', () => {
    assert.equal(mounts.length, 7);
    assert.deepEqual(mounts[4], { source: 'srv:/with blank', mountPoint: '/mnt/a b', fsType: 'nfs', options: ['rw', 'vers=3'] });
    assert.equal(mountOption(mounts[2]!, 'acdirmax'), '1');
    assert.equal(mountOption(mounts[2]!, 'lookupcache'), null);
  });

  it('finds the mount holding a path: the longest mount point above it, not a name that only starts alike', () => {
    assert.equal(mountOf('/srv/tfgw/spool', mounts)?.fsType, 'nfs4');
    assert.equal(mountOf('/srv', mounts)?.fsType, 'nfs4');
    assert.equal(mountOf('/srv/local/spool', mounts)?.fsType, 'tmpfs');
    assert.equal(mountOf('/srvx/spool', mounts)?.fsType, 'ext4');
    assert.equal(mountOf('/mnt/a b/spool', mounts)?.fsType, 'nfs');
    assert.equal(mountOf('/srv/tfgw/spool', [...mounts].reverse())?.fsType, 'nfs4', 'whatever the order of the table');
  });

  it('tells network file systems from local ones', () => {
    for (const type of ['nfs', 'nfs4', 'cifs', 'smb3', 'fuse', 'fuse.sshfs', 'ceph', '9p']) assert.equal(isNetworkFs(type), true, type);
    for (const type of ['ext4', 'xfs', 'btrfs', 'tmpfs', 'overlay', 'proc', 'nfsd', 'fusectl']) assert.equal(isNetworkFs(type), false, type);
  });

  it('gives a spool its mount from the table it is given, and null when the table cannot be read', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'tfgw-mounts-'));
    try {
      const onNfs = new Spool({ root, staleMs: 10_000, mounts: () => `${TABLE}\nserver:/x ${root} nfs4 rw,vers=4.2 0 0\n` });
      assert.equal(onNfs.onNetworkFs, true);
      assert.equal(onNfs.mountEntry?.mountPoint, root);
      const local = new Spool({ root, staleMs: 10_000, mounts: () => TABLE });
      assert.equal(local.onNetworkFs, false);
      assert.equal(
        mountOfDirectory(root, () => {
          throw new Error('no /proc');
        }),
        null,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
