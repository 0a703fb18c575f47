package finding

// RuleDoc describes a validation rule for reports that list rules (SARIF's
// reportingDescriptor): a one-line title, what the rule checks and why,
// and how to fix what it reports. Policy rules carry the same from their
// METADATA instead.
type RuleDoc struct {
	Title, Description, Help string
}

// DescribeRule returns the description of a validation rule id.
func DescribeRule(id string) (RuleDoc, bool) {
	d, ok := ruleDocs[id]
	return d, ok
}

// RuleIDs lists the described rule ids, for the test that keeps every id
// kiln reports described.
func RuleIDs() []string {
	out := make([]string, 0, len(ruleDocs))
	for id := range ruleDocs {
		out = append(out, id)
	}
	return out
}

// ruleDocs is read-only after init.
var ruleDocs = map[string]RuleDoc{
	// loader
	"load/yaml":               {"Malformed YAML", "The file is not well-formed YAML, so nothing in it can be checked.", "Fix the syntax at the position given (indentation, an unclosed quote or bracket, a tab)."},
	"load/duplicate-key":      {"Duplicate mapping key", "A mapping names the same key twice; YAML parsers disagree on which value wins, so kiln refuses the file.", "Keep one of the two keys."},
	"load/too-large":          {"File too large", "The file is over kiln's size cap, which keeps memory bounded on untrusted input.", "Split the file, or move large data out of the repository."},
	"load/alias":              {"Too many YAML aliases", "The file expands aliases beyond kiln's limit (an alias bomb), which could exhaust memory.", "Write the values out instead of nesting aliases."},
	"load/encoding":           {"Not UTF-8", "kiln reads YAML as UTF-8, as Image Builder and AWSTOE do.", "Save the file as UTF-8."},
	"load/symlink":            {"Symbolic link leaves the repository", "A link points outside the repository; kiln reads only what is in it, so a pull request cannot make it read other files.", "Replace the link by the file, or point it inside the repository."},
	"load/document-path":      {"Component document path leaves the repository", "A Component's document: path must stay inside the repository.", "Use a path relative to the component's file that stays in the repository."},
	"load/unknown-kind":       {"Unknown kind", "The document has apiVersion kiln/v1 but a kind kiln does not know.", "Use one of the kinds listed in the message (the schemas in schemas/ list them too)."},
	"load/apiversion":         {"Unknown apiVersion", "A resource must say apiVersion: kiln/v1.", "Set apiVersion: kiln/v1."},
	"load/duplicate-resource": {"Resource defined twice", "Two documents define the same kind, name (and version); Image Builder would get one of them.", "Rename one, or give it another version."},
	"load/too-many-files":     {"Too many files", "The repository has more files than kiln reads, which keeps a check bounded.", "Limit the folders kiln reads with roots: in .kiln.yaml."},
	"load/depth":              {"Nesting too deep", "The YAML nests deeper than kiln's limit.", "Flatten the structure."},
	"load/config":             {"Invalid .kiln.yaml", ".kiln.yaml does not match its schema (schemas/kiln-config.json).", "Fix the setting at the position given."},

	// schemas, versions, references, immutability
	"schema":                {"Does not match the kind's schema", "The resource does not match the JSON Schema of its kind, which follows the Image Builder API and its limits (name patterns, lengths, counts).", "Fix the field at the position given; editors with yaml-language-server show the schema as you type (see schemas/README.md)."},
	"version/invalid":       {"Invalid semantic version", "Components and recipes carry a semantic version major.minor.patch, each part within Image Builder's range.", "Write the version as major.minor.patch, e.g. 1.2.0."},
	"version/wildcard":      {"Wildcard not right-aligned", "A version filter may only use x from the right (1.x.x, 1.2.x), as Image Builder resolves them.", "Move the wildcards to the right, e.g. 1.x.x."},
	"ref/component":         {"Recipe names a component that does not exist", "Every component a recipe names must be in the repository at a matching version, or be an ARN.", "Add the component, fix its name or version, or name it by ARN with {region} and {account}."},
	"ref/recipe":            {"Pipeline names a recipe that does not exist", "A pipeline must name an image or container recipe of the repository.", "Fix the recipe's name and version, or add the recipe."},
	"ref/infrastructure":    {"Pipeline names an infrastructure configuration that does not exist", "A pipeline must name an infrastructure configuration of the repository.", "Fix the name, or add the configuration."},
	"ref/distribution":      {"Pipeline names a distribution configuration that does not exist", "A pipeline's distribution configuration must be in the repository.", "Fix the name, or add the configuration."},
	"ref/workflow":          {"Pipeline names a workflow that does not exist", "A workflow a pipeline names by name and version must be in the repository at a matching version, or be named by ARN.", "Fix the workflow's name and version, add the workflow, or name it by ARN with {region} and {account}."},
	"ref/environment":       {"Unknown environment", "The resource names an environment that .kiln.yaml does not define.", "Define the environment in .kiln.yaml, or fix its name."},
	"immutable/changed":     {"Content changed without a new version", "Components and recipes are immutable in Image Builder: changed content needs a new version.", "Bump the version to the one the message names."},
	"config/pr-environment": {"Unknown pull-request bake environment", "bake.prEnvironment must name an environment of .kiln.yaml, and not a production one.", "Name a non-production environment, or remove the setting."},
	"config/unused-waiver":  {"Waiver that matches nothing", "A waiver whose rule or resource matches nothing waives nothing: usually a typo, or a resource that was renamed.", "Fix the waiver's rule or resource, or remove it."},
	"config/unknown-rule":   {"Setting for a rule that does not exist", "policy.rules names a rule id no loaded policy has, so the setting does nothing.", "Fix the id (the built-in rules are listed in policy/README.md), or remove the setting."},
	"check/no-resources":    {"No resources found", "The check found no kiln resources (files with apiVersion: kiln/v1 and a kind), so it would pass without checking anything.", "Check the folder and the roots: setting of .kiln.yaml; pass --allow-empty where an empty repository is expected."},

	"schedule/cron":                 {"Schedule not in Image Builder's cron syntax", "Image Builder takes cron(minutes hours day-of-month month day-of-week year): six fields with its ranges and wildcards, one of the two day fields ?. Anything else is refused when the pipeline is created, after the merge.", "Write the schedule as the message suggests, e.g. cron(0 4 ? * sun *)."},
	"schedule/timezone":             {"Unknown time zone", "A pipeline schedule's timezone must be an IANA time zone name.", "Use a name such as Etc/UTC or Europe/Berlin."},
	"distribution/name-per-build":   {"AMI name the same for every build", "AMI names must differ per build: the second build with a fixed name fails because the AMI exists.", "Add {{ imagebuilder:buildDate }} (or {{ imagebuilder:buildVersion }}) to the name."},
	"distribution/duplicate-region": {"Region distributed twice", "Image Builder refuses a distribution configuration that lists a region more than once.", "Merge the two entries for the region into one."},
	"arn/literal-region":            {"ARN with a literal region", "An ARN names a region other than that of an environment the repository is applied to, so the resource is not found there.", "Write {region} in the ARN; kiln fills in each environment's region."},
	"arn/literal-account":           {"ARN with another environment's account", "An ARN names the account of one environment, but the repository is applied to others too.", "Write {account} in the ARN; kiln fills in each environment's account."},

	// AWSTOE documents
	"toe/schema-version":      {"AWSTOE schemaVersion", "AWSTOE documents need schemaVersion: 1.0.", "Set schemaVersion: 1.0."},
	"toe/phase-name":          {"Phase that Image Builder skips", "AWSTOE runs any phase name, but Image Builder runs only build, validate, test and container-host-test; the steps of other phases never run in a bake.", "Rename the phase to one Image Builder runs, or keep it for awstoe run --phases only."},
	"toe/duplicate-phase":     {"Duplicate phase", "Each phase name may appear once in a document.", "Merge the steps into one phase."},
	"toe/step-name":           {"Invalid step name", "Step names are letters, digits, hyphens and underscores, so chaining expressions can refer to them.", "Rename the step."},
	"toe/duplicate-step":      {"Duplicate step name", "Step names must be unique within a phase.", "Rename one of the steps."},
	"toe/unknown-action":      {"Unknown action module", "Every step's action must be one of AWSTOE's action modules.", "Use the action the message suggests, or one from the AWSTOE action module reference."},
	"toe/missing-input":       {"Missing action input", "The action module needs an input the step does not give.", "Add the input named in the message."},
	"toe/input-shape":         {"Action input of the wrong shape", "The step's inputs do not have the shape the action module takes (a list where a mapping is expected, or the reverse).", "Write the inputs as the action module's reference shows."},
	"toe/on-failure":          {"Invalid onFailure", "onFailure is Abort, Continue or Ignore.", "Use one of the three."},
	"toe/timeout":             {"timeoutSeconds out of range", "timeoutSeconds is within AWSTOE's range (or -1 for none).", "Use a value in the range the message gives."},
	"toe/max-attempts":        {"maxAttempts out of range", "maxAttempts is within AWSTOE's range.", "Use a value in the range the message gives."},
	"toe/loop":                {"Invalid loop", "A loop is for (start, end, updateBy) or forEach (a list, or a string with a delimiter), with a valid name.", "Fix the loop as the message says."},
	"toe/if":                  {"Invalid if", "A step's if is a condition AWSTOE can evaluate (comparison, and/or/not, the documented operators).", "Fix the condition as the message says."},
	"toe/parameter":           {"Invalid parameter or constant", "Parameters and constants have valid names and types.", "Fix the parameter as the message says."},
	"toe/duplicate-parameter": {"Duplicate parameter or constant", "Parameter and constant names must be unique.", "Rename one of them."},
	"toe/unresolved-variable": {"Unresolved variable", "A {{ name }} reference names no parameter or constant of the document.", "Define the parameter or constant, or fix the name."},
	"toe/chaining":            {"Chaining to a missing or later step", "{{ phase.step.inputs|outputs… }} must point at an earlier step that exists.", "Point the expression at an earlier step, or move the step."},

	// workflow documents
	"workflow/shape":                {"Workflow document shape", "A workflow document is a mapping with schemaVersion, optional parameters and outputs, and a non-empty list of steps, each a mapping.", "Give the document the shape the message names."},
	"workflow/schema-version":       {"Workflow schemaVersion", "Workflow documents need schemaVersion: 1.0.", "Set schemaVersion: 1.0."},
	"workflow/step-name":            {"Invalid workflow step name", "Step names start with a letter and have 2 to 100 letters, digits, - and _ (Image Builder's rule), so $.stepOutputs references can name them.", "Rename the step."},
	"workflow/duplicate-step":       {"Duplicate workflow step", "Step names are unique in a workflow; $.stepOutputs.<step> could not tell two apart.", "Rename one of the steps."},
	"workflow/unknown-action":       {"Unknown workflow step action", "Every step's action must be one of Image Builder's workflow step actions.", "Use one of the actions the message lists."},
	"workflow/missing-input":        {"Missing workflow step input", "The step's action cannot run without the input (given as a value, or as <input>.$ with a reference).", "Add the input, usually <input>.$: $.stepOutputs.<launch step>.instanceId."},
	"workflow/on-failure":           {"Invalid workflow onFailure", "A workflow step's onFailure is Abort or Continue.", "Use Abort or Continue."},
	"workflow/timeout":              {"Workflow step timeout out of range", "timeoutSeconds is a whole number of seconds from 1 to 43200 (12 hours).", "Use a timeout within the range."},
	"workflow/parameter":            {"Invalid workflow parameter", "Parameters have unique names and a type of string, integer, boolean or stringList.", "Fix the parameter the message names."},
	"workflow/unresolved-reference": {"Unresolved workflow reference", "A value under a key ending in .$ must name a declared parameter ($.parameters.<name>) or an output of an earlier step ($.stepOutputs.<step>.<output>).", "Declare the parameter, or point at an existing step and one of its action's outputs."},
	"workflow/reference-order":      {"Reference to a later workflow step", "A step can only read the outputs of steps before it: later steps have not run yet.", "Point at an earlier step, or move the step."},

	// policy evaluation
	"policy/compile":        {"Policy does not compile", "A Rego file of the policy bundles does not compile.", "Fix the Rego at the position given; kiln policy test runs your policies' tests."},
	"policy/eval-error":     {"Policy evaluation failed", "A policy rule failed at evaluation time (a runtime error in Rego), so it could not judge the resource.", "Fix the rule; the message names it."},
	"policy/waiver-invalid": {"Unusable waiver", "A waiver needs a rule, a resource, a justification and an expiry date (YYYY-MM-DD); an unusable one waives nothing.", "Complete the waiver."},
	"policy/config-changed": {"Policy settings changed", "The pull request changes policies, waivers or .kiln.yaml; they apply only after the merge, since kiln reads them from the base commit.", "Have the change reviewed (CODEOWNERS on .kiln.yaml and the policy folders)."},
	"kiln/unnamed":          {"Unnamed rule", "A policy result without a rule id.", "Give the rule a METADATA custom.id."},
}
