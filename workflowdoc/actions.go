package workflowdoc

// action is what kiln knows of one step action of Image Builder workflow
// documents: the inputs it cannot run without and the outputs later steps
// may read ($.stepOutputs.<step>.<output>). From the EC2 Image Builder user
// guide, "Supported step actions for your workflow document".
type action struct {
	required []string
	outputs  []string
}

// actions are the step actions Image Builder supports. An action whose
// outputs are nil is not checked for the outputs later steps read.
var actions = map[string]action{
	"ApplyImageConfigurations":      {},
	"BootstrapInstanceForContainer": {required: []string{"instanceId"}, outputs: []string{"runCommandId", "status", "output"}},
	"CollectImageMetadata":          {required: []string{"instanceId"}, outputs: []string{"osVersion", "associatedAccounts"}},
	"CollectImageScanFindings":      {required: []string{"instanceId"}, outputs: []string{"runCommandId", "status", "output"}},
	"CreateImage":                   {required: []string{"instanceId"}, outputs: []string{"imageId"}},
	"DistributeImage":               {},
	"ExecuteComponents":             {required: []string{"instanceId"}, outputs: []string{"runCommandId", "status", "output"}},
	"ExecuteStateMachine":           {required: []string{"stateMachineArn"}, outputs: []string{"executionArn"}},
	"LaunchInstance":                {outputs: []string{"instanceId"}},
	"ModifyImageAttributes":         {required: []string{"imageId"}},
	"RegisterImage":                 {outputs: []string{"imageId"}},
	"RunCommand":                    {required: []string{"documentName"}, outputs: []string{"runCommandId", "status", "output"}},
	"RunSysPrep":                    {required: []string{"instanceId"}, outputs: []string{"runCommandId", "status", "output"}},
	"SanitizeInstance":              {required: []string{"instanceId"}, outputs: []string{"runCommandId", "status", "output"}},
	"TerminateInstance":             {required: []string{"instanceId"}},
	"WaitForAction":                 {outputs: []string{"action", "reason"}},
	"WaitForSSMAgent":               {required: []string{"instanceId"}},
}

var (
	onFailureValues = []string{"Abort", "Continue"}
	parameterTypes  = []string{"string", "integer", "boolean", "stringList"}
)
