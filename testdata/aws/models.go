// Package awsmodels embeds the AWS service models under testdata/aws so the
// Image Builder emulator (imagebuilder/ibtest, cmd/ibemu) validates requests
// against them without reading files at run time. See README.md.
package awsmodels

import "embed"

// FS holds <service>/<api-version>/{api-2,docs-2,examples-1}.json.
//
//go:embed imagebuilder/2019-12-02/*.json ssm/2014-11-06/*.json sts/2011-06-15/*.json
var FS embed.FS

// Paths of each service's API model inside FS.
const (
	ImageBuilder = "imagebuilder/2019-12-02/api-2.json"
	SSM          = "ssm/2014-11-06/api-2.json"
	STS          = "sts/2011-06-15/api-2.json"
)
