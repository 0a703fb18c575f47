package awstoe

import "testing"

// FuzzValidate feeds arbitrary YAML to Validate: whatever decodes must be
// checked without a panic, and every finding must carry the file and a
// known rule.
func FuzzValidate(f *testing.F) {
	seeds := []string{
		doc("- name: A\n  action: ExecuteBash\n  inputs: {commands: ['echo {{ loop.value }}']}\n  loop: {forEach: [a, b]}\n"),
		doc("- name: D\n  action: S3Download\n  inputs: [{source: s3://b/k, destination: /tmp/k}]\n- name: R\n  action: ExecuteBash\n  inputs: {commands: ['bash {{ build.D.inputs[0].destination }}']}\n"),
		doc("- name: A\n  action: UpdateOS\n  if: {and: [{binaryExists: dnf}, {not: {fileExists: /x}}]}\n  loop: {for: {start: 0, end: 3, updateBy: 1}}\n"),
		doc("- name: A\n  action: Assert\n  inputs: {numberEquals: 1, value: '{{ build.A.outputs.stdout }}'}\n  timeoutSeconds: -1\n  maxAttempts: 2\n  onFailure: Ignore\n"),
		"schemaVersion: 1.0\nparameters:\n  - Abc: {type: string}\nconstants:\n  - Abc: {type: string, value: x}\nphases: [{name: test, steps: [{name: T, action: WebDownload, inputs: [{source: '{{ Abc }}', destination: /tmp/, checksum: x}]}]}]\n",
		"schemaVersion: '1.0'\nphases: [{name: build, steps: [{name: A, action: ExecuteBash, inputs: {commands: ['{{ a.b[0].c[1] }}', '{{{ x }}}', '{{']}}]}]}]\n",
		"phases: [1, {name: x, steps: [{}, {loop: {forEach: {list: 1, delimiter: ''}}}]}]\n",
		"a: &a [*a]\n",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 1<<14 {
			return // the loader caps document size
		}
		d, err := docFromText("f.yaml", src)
		if err != nil {
			return
		}
		for _, fd := range Validate(d) {
			if fd.File != "f.yaml" || fd.Rule == "" || fd.Message == "" {
				t.Fatalf("bad finding %+v", fd)
			}
		}
	})
}
