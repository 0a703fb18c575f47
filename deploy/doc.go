// Package deploy holds kiln's deployment files (the Helm chart, the IAM
// policy of the environments' roles, the GitHub App manifest) and the tests
// that hold them to their promises. It has no code of its own.
package deploy
