// Loaded into every Node process a test starts (children.ts puts it in NODE_OPTIONS), and into the
// test itself: a listener leak, which Node only warns about on stderr, ends the process with the
// warning's stack, so the test that started it fails instead of a log holding it unread.
process.on('warning', (warning) => {
  if (warning.name === 'MaxListenersExceededWarning') throw warning;
});
