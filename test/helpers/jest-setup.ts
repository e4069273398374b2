// Per-file setup shared by every jest project. Tests that need more time say so themselves.
jest.setTimeout(30_000);
