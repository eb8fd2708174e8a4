// Extension-host entry for Restricted Mode: the tests in this folder only, run against a
// code-server started with start({ trust: false }) (see restricted.test.mjs).
'use strict';
const { runSuite } = require('../index.js');

exports.run = () => runSuite(__dirname);
