// Stands in for graceful-fs inside the session bundle (scripts/bundle-session.js).
// graceful-fs queues file opens that fail with EMFILE and patches the fs module
// for old Node versions; a session process opens a handful of files, on Node 20,
// and the copy of the fs module it makes costs every session about 200 kB.
module.exports = require('node:fs');
