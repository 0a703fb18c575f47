package validate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

// TestCron: what Image Builder accepts passes; what it refuses gets a
// message with the fix.
func TestCron(t *testing.T) {
	for _, tc := range []struct {
		expr, want string // want: "" accepted, else a substring of the message
	}{
		{"cron(0 0 * * ? *)", ""},
		{"cron(0 4 ? * sun *)", ""},
		{"cron(0 4 ? * MON-FRI *)", ""},
		{"cron(15,45 */2 ? * 2#1 2026-2030)", ""},
		{"cron(0 6 L * ? *)", ""},
		{"cron(0 6 15W jan,jul ? *)", ""},
		{"cron(0 6 LW * ? *)", ""},
		{"cron(0 6 ? * 6L *)", ""},
		{"cron(0/15 8-18 ? * 1-7 *)", ""},
		{" cron(0 0 1 * ? *) ", ""},
		{"weekly", `"weekly" is not a cron expression; Image Builder takes cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 4 ? * sun *)`},
		{"rate(7 days)", "is not a cron expression"},
		{"cron(0 25 ? * mon *)", `hours field "25": 25 is out of range: hours go from 0 to 23`},
		{"cron(60 0 ? * mon *)", "minutes go from 0 to 59"},
		{"cron(0 4 * * 1)", "has 5 fields; Image Builder's cron has 6: minutes hours day-of-month month day-of-week year (a Unix crontab has 5): add the year, cron(0 4 ? * mon *)"},
		{"cron(0 4 * * * * *)", "has 7 fields"},
		{"cron(0 4 * * * *)", "one of day-of-month (*) and day-of-week (*) must be ?"},
		{"cron(0 4 ? * ? *)", "must be ?, and only one"},
		{"cron(0 4 ? * 8 *)", `day-of-week field "8": 8 is out of range`},
		{"cron(0 4 ? * funday *)", `"funday" is not a number from 1 to 7 or one of sun, mon`},
		{"cron(0 4 32 * ? *)", "day-of-month go from 1 to 31"},
		{"cron(0 4 1 13 ? *)", "month go from 1 to 12"},
		{"cron(0 4 1 * ? 1969)", "year go from 1970 to 2199"},
		{"cron(? 4 1 * ? *)", "? is only allowed in day-of-month and day-of-week"},
		{"cron(0 4 ? * mon/2 *)", "/ is not allowed in day-of-week"},
		{"cron(0 4 ? * 2#6 *)", "the week after # is 1 to 5"},
		{"cron(0 */0 ? * mon *)", "the step after / is a number from 1 to 23"},
		{"cron(0 4,,5 ? * mon *)", "empty value in a list"},
		{"cron(0 4 L * mon *)", "must be ?"},
	} {
		got := checkCron(tc.expr)
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("checkCron(%q) = %q, want %q", tc.expr, got, tc.want)
		}
	}
}

func TestTimezone(t *testing.T) {
	for _, tc := range []struct{ tz, want string }{
		{"Etc/UTC", ""}, {"UTC", ""}, {"America/Los_Angeles", ""}, {"Europe/Berlin", ""}, {"America/Argentina/Buenos_Aires", ""},
		{"Local", "not an IANA time zone"}, {"CEST", "not an IANA time zone"}, {"Europe/Atlantis", "not an IANA"},
		{"../../etc/passwd", "not an IANA"}, {"utc", "write Etc/UTC"},
	} {
		got := checkTimezone(tc.tz)
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("checkTimezone(%q) = %q, want %q", tc.tz, got, tc.want)
		}
	}
}

const twoEnvs = "staging|111111111111|us-east-1,prod|222222222222|eu-west-1"

func envs(spec string) model.Environments {
	var out model.Environments
	for e := range strings.SplitSeq(spec, ",") {
		f := strings.Split(e, "|")
		out = append(out, model.Environment{Name: f[0], Account: f[1], Region: f[2], Branch: "main"})
	}
	return out
}

// TestServiceRules: each refusal Image Builder would give after the merge
// is a finding at the value's line and column, naming the fix.
func TestServiceRules(t *testing.T) {
	pipeline := "apiVersion: kiln/v1\nkind: ImagePipeline\nmetadata:\n  name: p\nspec:\n  imageRecipe: {name: r, version: 1.0.0}\n  infrastructureConfiguration: i\n  schedule:\n    scheduleExpression: %s\n    timezone: %s\n"
	dist := "apiVersion: kiln/v1\nkind: DistributionConfiguration\nmetadata:\n  name: d\nspec:\n  distributions:\n    - region: us-east-1\n      amiDistributionConfiguration:\n        name: %s\n    - region: %s\n      amiDistributionConfiguration:\n        name: golden-{{imagebuilder:buildVersion}}\n        kmsKeyId: arn:aws:kms:us-west-2:222222222222:key/1\n      licenseConfigurationArns: [\"arn:aws:license-manager:us-west-2:{account}:license-configuration:lic-1\"]\n"
	recipe := "apiVersion: kiln/v1\nkind: ImageRecipe\nmetadata: {name: r, version: 1.0.0}\nspec:\n  parentImage: %s\n  components:\n    - arn: %s\n"
	for _, tc := range []struct {
		name, file, src, envs string
		wants                 []want
	}{
		{"good schedule", "p.yaml", fmt.Sprintf(pipeline, "cron(0 4 ? * sun *)", "Europe/Berlin"), twoEnvs, nil},
		{"bad schedule", "p.yaml", fmt.Sprintf(pipeline, "weekly", "CEST"), twoEnvs, []want{
			{"p.yaml", 9, 25, ruleCron, `spec.schedule.scheduleExpression: "weekly" is not a cron expression`},
			{"p.yaml", 10, 15, ruleTimezone, `spec.schedule.timezone: "CEST" is not an IANA time zone name`},
		}},
		{"out of range", "p.yaml", fmt.Sprintf(pipeline, "cron(0 25 ? * mon *)", "Etc/UTC"), twoEnvs, []want{
			{"p.yaml", 9, 25, ruleCron, "25 is out of range"},
		}},
		{"good distribution", "d.yaml", fmt.Sprintf(dist, "golden-{{ imagebuilder:buildDate }}", "us-west-2"), twoEnvs, nil},
		{"fixed name, region twice", "d.yaml", fmt.Sprintf(dist, "golden-al2023", "us-east-1"), twoEnvs, []want{
			{"d.yaml", 9, 15, ruleNamePerBuild, `"golden-al2023" is the same for every build, so the second build fails (the AMI name exists); add {{ imagebuilder:buildDate }}, e.g. golden-al2023-{{ imagebuilder:buildDate }}`},
			{"d.yaml", 10, 15, ruleDuplicateRegion, "spec.distributions[1].region: us-east-1 is distributed already (line 7)"},
		}},
		{"placeholders", "r.yaml", fmt.Sprintf(recipe, "arn:aws:imagebuilder:{region}:aws:image/amazon-linux-2023-x86/x.x.x", "arn:aws:imagebuilder:{region}:{account}:component/mine/1.0.0"), twoEnvs, nil},
		{"shared account that is no environment", "r.yaml", fmt.Sprintf(recipe, "arn:aws:imagebuilder:{region}:aws:image/al2023/x.x.x", "arn:aws:imagebuilder:{region}:333333333333:component/shared/1.0.0"), twoEnvs, nil},
		{"one environment in the literal region", "r.yaml", fmt.Sprintf(recipe, "arn:aws:imagebuilder:us-east-1:aws:image/al2023/x.x.x", "arn:aws:imagebuilder:{region}:aws:component/update-linux/x.x.x"), "staging|111111111111|us-east-1", nil},
		{"literal region and account", "r.yaml", fmt.Sprintf(recipe, "arn:aws:imagebuilder:us-east-1:aws:image/al2023/x.x.x", "arn:aws:imagebuilder:{region}:111111111111:component/mine/1.0.0"), twoEnvs, []want{
			{"r.yaml", 5, 16, ruleLiteralRegion, "spec.parentImage: the ARN names region us-east-1, but environment prod is in eu-west-1; write {region}: arn:aws:imagebuilder:{region}:aws:image/al2023/x.x.x"},
			{"r.yaml", 7, 12, ruleLiteralAccount, "spec.components[0].arn: the ARN names account 111111111111 of environment staging, but environment prod is account 222222222222; write {account}: arn:aws:imagebuilder:{region}:{account}:component/mine/1.0.0"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo := repository(t, map[string]string{tc.file: tc.src})
			repo.Config.Environments = envs(tc.envs)
			got := service(repo)
			finding.Sort(got)
			check(t, got, tc.wants)
		})
	}
}
