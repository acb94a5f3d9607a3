// Package sessiontest holds the helpers that the tests of session, its wire
// package, the server and the client share, as net/http/httptest does for
// net/http: input generators, polling, reading lines from a live
// connection, building the module's commands, and telling a missing tool
// apart from a broken test. Nothing in it is used outside tests.
package sessiontest
