package awstoe

import (
	"slices"
	"strings"
)

// inputShape is how an action module takes its inputs. The modules are not
// uniform: the execution and system modules take one mapping, the transfer
// and file system modules take a list of mappings so that one step can
// handle several files.
type inputShape int

const (
	shapeObject inputShape = iota // inputs: {commands: [...]}
	shapeList                     // inputs: [{source: ..., destination: ...}, ...]
)

// actionSpec is what kiln knows about one AWSTOE action module, taken from
// the "Action modules supported by AWSTOE component manager" page of the
// Image Builder user guide.
type actionSpec struct {
	shape inputShape
	// optionalInputs: the step may leave out `inputs` altogether.
	optionalInputs bool
	// required keys of the mapping (or of each list entry).
	required []string
	// oneOf: exactly one of these keys must be present.
	oneOf []string
	// outputs a later step may chain to with {{ phase.step.outputs.X }};
	// nil when the module documents no outputs.
	outputs []string
	// check runs module-specific rules on one mapping (the inputs, or one
	// list entry).
	check func(v *validator, step stepRef, entry map[string]any, path []any)
}

// actions lists every AWSTOE action module. DESIGN.md speaks of 29; the
// user guide and the CDK's ComponentAction enum list 30 (Assert is the one
// added later), and a document may use any of them.
var actions = map[string]actionSpec{
	// General execution.
	"Assert":            {shape: shapeObject, check: checkAssert},
	"ExecuteBash":       {shape: shapeObject, required: []string{"commands"}, outputs: []string{"stdout"}, check: checkCommands},
	"ExecuteBinary":     {shape: shapeObject, required: []string{"path"}, outputs: []string{"stdout"}, check: checkArguments},
	"ExecuteDocument":   {shape: shapeObject, required: []string{"document"}, check: checkExecuteDocument},
	"ExecutePowerShell": {shape: shapeObject, oneOf: []string{"commands", "file"}, outputs: []string{"stdout"}, check: checkCommands},

	// File download and upload.
	"S3Download":  {shape: shapeList, required: []string{"source", "destination"}},
	"S3Upload":    {shape: shapeList, required: []string{"source", "destination"}},
	"WebDownload": {shape: shapeList, required: []string{"source", "destination"}, outputs: []string{"destination"}, check: checkWebDownload},

	// File system operations.
	"AppendFile":           {shape: shapeList, required: []string{"path"}},
	"CopyFile":             {shape: shapeList, required: []string{"source", "destination"}},
	"CopyFolder":           {shape: shapeList, required: []string{"source", "destination"}},
	"CreateFile":           {shape: shapeList, required: []string{"path"}},
	"CreateFolder":         {shape: shapeList, required: []string{"path"}},
	"CreateSymlink":        {shape: shapeList, required: []string{"path", "target"}},
	"DeleteFile":           {shape: shapeList, required: []string{"path"}},
	"DeleteFolder":         {shape: shapeList, required: []string{"path"}},
	"ListFiles":            {shape: shapeList, required: []string{"path"}, outputs: []string{"files"}},
	"MoveFile":             {shape: shapeList, required: []string{"source", "destination"}},
	"MoveFolder":           {shape: shapeList, required: []string{"source", "destination"}},
	"ReadFile":             {shape: shapeList, required: []string{"path"}, outputs: []string{"content"}},
	"SetFileEncoding":      {shape: shapeList, required: []string{"path"}},
	"SetFileOwner":         {shape: shapeList, required: []string{"path", "owner"}},
	"SetFolderOwner":       {shape: shapeList, required: []string{"path", "owner"}},
	"SetFilePermissions":   {shape: shapeList, required: []string{"path", "permissions"}},
	"SetFolderPermissions": {shape: shapeList, required: []string{"path", "permissions"}},

	// Software installation.
	"InstallMSI":   {shape: shapeObject, required: []string{"path"}},
	"UninstallMSI": {shape: shapeObject, required: []string{"path"}},

	// System actions.
	"Reboot":      {shape: shapeObject, optionalInputs: true},
	"SetRegistry": {shape: shapeList, required: []string{"path", "name", "value", "type"}, check: checkSetRegistry},
	"UpdateOS":    {shape: shapeObject, optionalInputs: true},
}

// actionNames is the sorted list of module names, for messages.
func actionNames() []string {
	names := make([]string, 0, len(actions))
	for n := range actions {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// suggestAction returns the module name the user most likely meant: the
// same name in other case, a near spelling, or the modules that share a
// word-sized prefix with it ("ExecuteShell": the Execute* modules).
func suggestAction(name string) string {
	for n := range actions {
		if strings.EqualFold(n, name) {
			return n
		}
	}
	if s := closest(name, actionNames(), 3); s != "" {
		return s
	}
	best, bestLen := []string(nil), 4
	for _, n := range actionNames() {
		l := commonPrefix(strings.ToLower(n), strings.ToLower(name))
		switch {
		case l > bestLen:
			best, bestLen = []string{n}, l
		case l == bestLen && best != nil:
			best = append(best, n)
		}
	}
	switch len(best) {
	case 0:
		return ""
	case 1:
		return best[0]
	}
	return strings.Join(best[:len(best)-1], ", ") + " or " + best[len(best)-1]
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// describeShape is how a message tells the user what the inputs should
// look like.
func describeShape(action string, spec actionSpec) string {
	keys := spec.required
	if len(spec.oneOf) > 0 {
		keys = []string{strings.Join(spec.oneOf, " or ")}
	}
	if spec.shape == shapeList {
		if len(keys) == 0 {
			return action + " takes a list of mappings as inputs"
		}
		return action + " takes a list of {" + strings.Join(keys, ", ") + "} entries as inputs"
	}
	if len(keys) == 0 {
		return action + " takes a mapping as inputs"
	}
	return action + " takes a mapping with " + strings.Join(keys, ", ") + " as inputs"
}

var (
	webDownloadAlgorithms = []string{"MD5", "SHA1", "SHA256", "SHA512"}
	registryTypes         = []string{"BINARY", "DWORD", "QWORD", "SZ", "EXPAND_SZ", "MULTI_SZ"}
)

// checkCommands: commands must be a list of strings (multi-line strings
// are fine); a single string is a common slip that AWSTOE rejects.
func checkCommands(v *validator, step stepRef, in map[string]any, path []any) {
	cmds, ok := in["commands"]
	if !ok {
		return
	}
	list, ok := cmds.([]any)
	if !ok {
		v.add(ruleInputShape, v.doc.At(appendPath(path, "commands")...),
			"%s: input commands of %s must be a list of commands, not %s", step, step.action, kindOf(cmds))
		return
	}
	if len(list) == 0 {
		v.add(ruleInputShape, v.doc.At(appendPath(path, "commands")...),
			"%s: input commands of %s is empty", step, step.action)
	}
	for i, c := range list {
		if !isScalar(c) {
			v.add(ruleInputShape, v.doc.At(appendPath(path, "commands", i)...),
				"%s: command %d of %s must be a string, not %s", step, i+1, step.action, kindOf(c))
		}
	}
}

func checkArguments(v *validator, step stepRef, in map[string]any, path []any) {
	args, ok := in["arguments"]
	if !ok || args == nil {
		return
	}
	if _, ok := args.([]any); !ok {
		v.add(ruleInputShape, v.doc.At(appendPath(path, "arguments")...),
			"%s: input arguments of %s must be a list of strings, not %s", step, step.action, kindOf(args))
	}
}

func checkExecuteDocument(v *validator, step stepRef, in map[string]any, path []any) {
	params, ok := in["parameters"]
	if !ok || params == nil {
		return
	}
	list, ok := params.([]any)
	if !ok {
		v.add(ruleInputShape, v.doc.At(appendPath(path, "parameters")...),
			"%s: input parameters of ExecuteDocument must be a list of {name, value} entries, not %s", step, kindOf(params))
		return
	}
	for i, p := range list {
		m, ok := p.(map[string]any)
		if !ok {
			v.add(ruleInputShape, v.doc.At(appendPath(path, "parameters", i)...),
				"%s: parameter %d of ExecuteDocument must be a {name, value} mapping, not %s", step, i+1, kindOf(p))
			continue
		}
		for _, k := range []string{"name", "value"} {
			if _, ok := m[k]; !ok {
				v.add(ruleMissingInput, v.doc.At(appendPath(path, "parameters", i)...),
					"%s: parameter %d of ExecuteDocument needs %s", step, i+1, k)
			}
		}
	}
}

// checkWebDownload: file verification needs both checksum and algorithm;
// one without the other silently downloads unverified.
func checkWebDownload(v *validator, step stepRef, in map[string]any, path []any) {
	_, hasSum := in["checksum"]
	alg, hasAlg := in["algorithm"]
	switch {
	case hasSum && !hasAlg:
		v.add(ruleMissingInput, v.doc.At(path...),
			"%s: WebDownload entry has a checksum but no algorithm (one of %s); without both the file is not verified", step, strings.Join(webDownloadAlgorithms, ", "))
	case hasAlg && !hasSum:
		v.add(ruleMissingInput, v.doc.At(path...),
			"%s: WebDownload entry has an algorithm but no checksum; without both the file is not verified", step)
	}
	if s, ok := alg.(string); ok && !hasExpr(s) && !slices.Contains(webDownloadAlgorithms, strings.ToUpper(s)) {
		v.add(ruleInputShape, v.doc.At(appendPath(path, "algorithm")...),
			"%s: WebDownload algorithm %q is not one of %s", step, s, strings.Join(webDownloadAlgorithms, ", "))
	}
}

func checkSetRegistry(v *validator, step stepRef, in map[string]any, path []any) {
	t, ok := in["type"].(string)
	if ok && !hasExpr(t) && !slices.Contains(registryTypes, t) {
		v.add(ruleInputShape, v.doc.At(appendPath(path, "type")...),
			"%s: SetRegistry type %q is not one of %s", step, t, strings.Join(registryTypes, ", "))
	}
}

// checkAssert: the inputs are one conditional expression, as in `if`.
func checkAssert(v *validator, step stepRef, in map[string]any, path []any) {
	v.checkExpr(ruleInputShape, step, "Assert input", in, path, 0)
}
