package job

import "errors"

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent wraps err so the queue gives up at once instead of retrying.
func Permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether err should not be retried.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
