// Package sessiontest holds the helpers that the tests of session, its wire
// package, the server and the client share, as net/http/httptest does for
// net/http: input generators, polling, and reading lines from a live
// connection. Nothing in it is used outside tests.
package sessiontest
