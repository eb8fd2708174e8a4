/**
 * elkjs as its own bundle, `dist/elk.js`. It is 3.3 MB of generated code, four fifths of the
 * client, and only the graph panel needs it, so layout.ts loads it the first time a graph is
 * drawn instead of every activation paying for it.
 */
export { default } from 'elkjs/lib/elk.bundled.js';
