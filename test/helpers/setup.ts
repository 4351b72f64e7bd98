import { beforeEach, expect } from 'vitest';

// Every test must assert something observable (STYLE.md › Tests).
beforeEach(() => {
  expect.hasAssertions();
});
