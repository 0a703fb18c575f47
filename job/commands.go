package job

import (
	"fmt"
	"strings"
)

// Command is a parsed `/kiln …` comment.
type Command struct {
	Verb string   // plan, bake, help
	Args []string // pipelines for bake
}

// ParseCommand finds a kiln command on the first line of a comment that
// starts with /kiln. ok is false when the comment is not addressed to kiln.
func ParseCommand(body string) (cmd Command, ok bool, err error) {
	for _, line := range strings.Split(body, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] != "/kiln" {
			continue
		}
		if len(fields) == 1 {
			return Command{Verb: "help"}, true, nil
		}
		cmd = Command{Verb: fields[1], Args: fields[2:]}
		switch cmd.Verb {
		case "plan", "help":
			if len(cmd.Args) > 0 {
				return cmd, true, fmt.Errorf("/kiln %s takes no arguments", cmd.Verb)
			}
			return cmd, true, nil
		case "bake":
			return cmd, true, nil
		}
		return cmd, true, fmt.Errorf("unknown command /kiln %s", cmd.Verb)
	}
	return Command{}, false, nil
}

// HelpText answers /kiln help.
const HelpText = "kiln commands:\n\n" +
	"| command | what it does |\n|---|---|\n" +
	"| `/kiln plan` | re-run validation and policies and show the plan for every environment |\n" +
	"| `/kiln bake [pipeline…]` | build this pull request's head in the pull-request environment (default: the pipelines whose inputs changed); needs write permission, never for forks |\n" +
	"| `/kiln help` | this text |\n"
