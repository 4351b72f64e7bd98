import { beforeEach, expect } from 'vitest';

// Every test must assert something observable.
beforeEach(() => {
  expect.hasAssertions();
});
