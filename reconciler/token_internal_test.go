package reconciler

import (
	"testing"

	"github.com/kiln-gitops/kiln/model"
)

func TestUpdateTokenRounds(t *testing.T) {
	c := Change{Kind: model.KindInfrastructureConfiguration, Name: "build-ami", Digest: "desired", Live: &Live{Digest: "tampered"}}
	merge := ApplyMeta{Repo: "acme/images", Commit: "abc"}
	if updateToken("staging", c, merge) != updateToken("staging", c, merge) {
		t.Fatal("a retried merge must send the same update token")
	}
	first, second := merge, merge
	first.Round, second.Round = "2026-11-22T07:00:00Z", "2026-11-22T07:10:00Z"
	if updateToken("staging", c, first) == updateToken("staging", c, second) {
		t.Fatal("two drift corrections of the same tampering at one commit share an update token")
	}
}
