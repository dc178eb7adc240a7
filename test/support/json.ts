/**
 * Generated JSON as tests and the in-memory organization read it: templates, policies and API
 * inputs walked by path. Their shape is what the assertions check (or, in the fake, what the API
 * reference says a request holds), so a compile-time type would only restate each test's expectation.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one place JSON is read untyped; everything that reads it goes through this name
export type Json = any;
