package job

import (
	"context"

	"github.com/google/go-github/v62/github"
)

// InstallationHandler records installs and uninstalls; there is nothing to
// set up, the log line is for operators.
type InstallationHandler struct{ *Deps }

// Handles implements webhook.EventHandler.
func (h *InstallationHandler) Handles() []string { return []string{"installation"} }

// Handle implements webhook.EventHandler.
func (h *InstallationHandler) Handle(ctx context.Context, _, delivery string, payload []byte) error {
	var ev github.InstallationEvent
	if err := decode(payload, &ev); err != nil {
		return err
	}
	h.logger(ctx).InfoContext(ctx, "installation", "action", ev.GetAction(), "installation", ev.GetInstallation().GetID(),
		"account", ev.GetInstallation().GetAccount().GetLogin(), "repositories", len(ev.Repositories))
	return nil
}
