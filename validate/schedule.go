package validate

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	// Time zones are checked against the Go release's own IANA database,
	// so the answer does not depend on the machine's /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/kiln-gitops/kiln/finding"
	"github.com/kiln-gitops/kiln/model"
)

const (
	ruleCron     = "schedule/cron"
	ruleTimezone = "schedule/timezone"
)

// cronExample is the fix offered for anything that is not a cron().
const cronExample = "cron(0 4 ? * sun *) (Sundays at 04:00)"

// cronField is one field of Image Builder's cron syntax
// (https://docs.aws.amazon.com/imagebuilder/latest/userguide/cron-expressions.html).
type cronField struct {
	name     string
	min, max int
	names    []string // jan…dec, sun…sat: index+min is the value
	special  string   // wildcards beyond , - * / that the field takes
}

var cronFields = []cronField{
	{name: "minutes", min: 0, max: 59},
	{name: "hours", min: 0, max: 23},
	{name: "day-of-month", min: 1, max: 31, special: "?LW"},
	{name: "month", min: 1, max: 12, names: strings.Fields("jan feb mar apr may jun jul aug sep oct nov dec")},
	{name: "day-of-week", min: 1, max: 7, names: strings.Fields("sun mon tue wed thu fri sat"), special: "?L#"},
	{name: "year", min: 1970, max: 2199},
}

var cronCall = regexp.MustCompile(`^cron\((.*)\)$`)

// schedule checks a pipeline's scheduleExpression and timezone.
func schedule(r *model.Resource) []finding.Finding {
	var out []finding.Finding
	if expr, ok := str(r.Value, "spec", "schedule", "scheduleExpression"); ok {
		if msg := checkCron(expr); msg != "" {
			out = append(out, newFinding(r, r.At("spec", "schedule", "scheduleExpression"), ruleCron, "spec.schedule.scheduleExpression: "+msg))
		}
	}
	if tz, ok := str(r.Value, "spec", "schedule", "timezone"); ok {
		if msg := checkTimezone(tz); msg != "" {
			out = append(out, newFinding(r, r.At("spec", "schedule", "timezone"), ruleTimezone, "spec.schedule.timezone: "+msg))
		}
	}
	return out
}

// checkCron returns what is wrong with expr, with the fix, or "".
func checkCron(expr string) string {
	m := cronCall.FindStringSubmatch(strings.TrimSpace(expr))
	if m == nil {
		return fmt.Sprintf("%q is not a cron expression; Image Builder takes cron(minutes hours day-of-month month day-of-week year), e.g. %s", expr, cronExample)
	}
	fields := strings.Fields(m[1])
	if len(fields) != len(cronFields) {
		msg := fmt.Sprintf("%s has %d fields; Image Builder's cron has 6: minutes hours day-of-month month day-of-week year", expr, len(fields))
		if len(fields) == 5 {
			msg += fmt.Sprintf(" (a Unix crontab has 5): add the year, cron(%s *)", strings.Join(unixToImageBuilder(fields), " "))
		}
		return msg
	}
	for i, f := range fields {
		if msg := cronFields[i].check(f); msg != "" {
			return fmt.Sprintf("%s: %s field %q: %s", expr, cronFields[i].name, f, msg)
		}
	}
	dom, dow := fields[2], fields[4]
	if (dom == "?") == (dow == "?") {
		return fmt.Sprintf("%s: one of day-of-month (%s) and day-of-week (%s) must be ?, and only one: e.g. cron(%s %s ? %s %s %s) or cron(%s %s %s %s ? %s)",
			expr, dom, dow, fields[0], fields[1], fields[3], nonQ(dow, "*"), fields[5], fields[0], fields[1], nonQ(dom, "*"), fields[3], fields[5])
	}
	return ""
}

func nonQ(s, alt string) string {
	if s == "?" {
		return alt
	}
	return s
}

// unixToImageBuilder turns a crontab's five fields into Image Builder's
// first five: its day-of-week counts from 1 (Sunday), and one of the two
// day fields must be ?.
func unixToImageBuilder(f []string) []string {
	out := append([]string{}, f...)
	if n, err := strconv.Atoi(out[4]); err == nil && n >= 0 && n <= 6 {
		out[4] = cronFields[4].names[n]
	}
	switch {
	case out[4] == "*":
		out[4] = "?"
	case out[2] == "*":
		out[2] = "?"
	}
	return out
}

// check validates one field: comma-separated items, each *, ?, a value,
// a range a-b, with an optional /step, or the field's own L, W and #.
func (c cronField) check(f string) string {
	if f == "?" {
		if !strings.Contains(c.special, "?") {
			return "? is only allowed in day-of-month and day-of-week"
		}
		return ""
	}
	for item := range strings.SplitSeq(f, ",") {
		if msg := c.item(item); msg != "" {
			return msg
		}
	}
	return ""
}

func (c cronField) item(s string) string {
	if s == "" {
		return "empty value in a list"
	}
	lower := strings.ToLower(s)
	switch {
	case strings.Contains(c.special, "L") && lower == "l":
		return ""
	case c.name == "day-of-month" && lower == "lw":
		return ""
	case c.name == "day-of-month" && strings.HasSuffix(lower, "w"):
		return c.value(lower[:len(lower)-1])
	case c.name == "day-of-week" && strings.HasSuffix(lower, "l"):
		return c.value(lower[:len(lower)-1])
	case c.name == "day-of-week" && strings.Contains(lower, "#"):
		day, nth, _ := strings.Cut(lower, "#")
		if msg := c.value(day); msg != "" {
			return msg
		}
		if n, err := strconv.Atoi(nth); err != nil || n < 1 || n > 5 {
			return fmt.Sprintf("%q: the week after # is 1 to 5", s)
		}
		return ""
	}
	base, step, hasStep := strings.Cut(lower, "/")
	if hasStep {
		if c.name == "day-of-week" {
			return "/ is not allowed in day-of-week"
		}
		if n, err := strconv.Atoi(step); err != nil || n < 1 || n > c.max {
			return fmt.Sprintf("%q: the step after / is a number from 1 to %d", s, c.max)
		}
	}
	if base == "*" {
		return ""
	}
	lo, hi, isRange := strings.Cut(base, "-")
	if msg := c.value(lo); msg != "" {
		return msg
	}
	if isRange {
		return c.value(hi)
	}
	return ""
}

// value checks a single number or name against the field's range.
func (c cronField) value(s string) string {
	if slices.Contains(c.names, s) {
		return ""
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		if len(c.names) > 0 {
			return fmt.Sprintf("%q is not a number from %d to %d or one of %s", s, c.min, c.max, strings.Join(c.names, ", "))
		}
		return fmt.Sprintf("%q is not a number from %d to %d", s, c.min, c.max)
	}
	if n < c.min || n > c.max {
		return fmt.Sprintf("%d is out of range: %s go from %d to %d", n, c.name, c.min, c.max)
	}
	return ""
}

// checkTimezone accepts IANA time zone names, as Image Builder does.
func checkTimezone(tz string) string {
	if tz == "Local" || tz == "" || strings.HasPrefix(tz, "/") || strings.Contains(tz, "..") {
		return fmt.Sprintf("%q is not an IANA time zone name such as Etc/UTC or America/Los_Angeles", tz)
	}
	if _, err := time.LoadLocation(tz); err != nil {
		msg := fmt.Sprintf("%q is not an IANA time zone name such as Etc/UTC or America/Los_Angeles", tz)
		if up := strings.ToUpper(tz); up == "UTC" || up == "GMT" {
			msg += "; write Etc/UTC"
		}
		return msg
	}
	return ""
}
