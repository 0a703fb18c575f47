package imagebuilder

import (
	"errors"

	"github.com/aws/smithy-go"
)

// Code is the service's error code of err ("" when err is not an error the
// service returned). The SDK models only some codes per operation, so
// matching by code is the reliable test.
func Code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// IsDryRunSuccess reports whether err is a dry run's verdict that the call
// would have succeeded.
func IsDryRunSuccess(err error) bool { return Code(err) == "DryRunOperationException" }

// IsAlreadyExists reports whether a create met an existing resource of the
// same name (and version).
func IsAlreadyExists(err error) bool { return Code(err) == "ResourceAlreadyExistsException" }

// IsIdempotentMismatch reports whether a client token was reused with other
// parameters: a bug in token derivation, never something to retry.
func IsIdempotentMismatch(err error) bool {
	return Code(err) == "IdempotentParameterMismatchException"
}

// IsNotFound reports whether the resource does not exist.
func IsNotFound(err error) bool { return Code(err) == "ResourceNotFoundException" }

// IsInUse reports whether a delete or update was refused because other
// resources depend on the resource.
func IsInUse(err error) bool {
	c := Code(err)
	return c == "ResourceDependencyException" || c == "ResourceInUseException"
}

// IsThrottled reports whether the service refused for rate, after the
// retryer gave up.
func IsThrottled(err error) bool {
	switch Code(err) {
	case "ThrottlingException", "TooManyRequestsException", "CallRateLimitExceededException":
		return true
	}
	return false
}

// IsInvalid reports whether the service rejected the request's content.
func IsInvalid(err error) bool {
	switch Code(err) {
	case "InvalidParameterValueException", "InvalidParameterException", "InvalidParameterCombinationException",
		"InvalidRequestException", "InvalidVersionNumberException", "ClientException":
		return true
	}
	return false
}
