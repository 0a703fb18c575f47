package main

import (
	"io"
	"os"
)

// useColor decides --color: auto is on for a terminal unless NO_COLOR is
// set to anything (https://no-color.org); piped output never gets escape
// codes.
func useColor(mode string, w io.Writer) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
		if os.Getenv("NO_COLOR") != "" {
			return false, nil
		}
		f, ok := w.(*os.File)
		if !ok {
			return false, nil
		}
		st, err := f.Stat()
		return err == nil && st.Mode()&os.ModeCharDevice != 0, nil
	}
	return false, usageErrorf("--color %q: want auto, always or never", mode)
}
