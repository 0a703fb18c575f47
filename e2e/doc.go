// Package e2e holds the end-to-end tests of `kiln serve`: the kiln binary
// runs as a subprocess against the GitHub emulator (gh/ghtest) and the
// Image Builder emulator (imagebuilder/ibtest) on loopback, and the tests
// drive it with signed webhook deliveries as GitHub sends them, then read
// what kiln posted and created from the emulators.
//
// The package has only tests. TestMain builds the binary once; every test
// starts its own emulators and its own kiln with its own data directory, so
// killing and restarting kiln mid-job is part of the scenarios.
package e2e
