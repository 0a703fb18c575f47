package job

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kiln-gitops/kiln/model"
	"github.com/kiln-gitops/kiln/reconciler"
)

// Bakes outlive the job that started them; the tracker reopens their
// environment by name with the settings the apply used, which are kept in
// the durable state rather than re-read from a repository.

func environmentKey(repo, env string) string { return "env." + sanitize(repo) + "." + sanitize(env) }

func rememberEnvironment(ctx context.Context, kv KV, repo string, env model.Environment) error {
	b, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("encode environment %s: %w", env.Name, err)
	}
	if err := kv.Put(ctx, environmentKey(repo, env.Name), b); err != nil {
		return fmt.Errorf("remember environment %s: %w", env.Name, err)
	}
	return nil
}

// OpenEnvironment implements reconciler.EnvironmentOpener for the bake
// tracker and the bake buttons.
func (d *Deps) OpenEnvironment(ctx context.Context, repo, name string) (reconciler.ImageBuilder, string, error) {
	if d.Environments == nil {
		return nil, "", errors.New("no AWS credentials")
	}
	b, ok, err := d.State.Get(ctx, environmentKey(repo, name))
	if err != nil {
		return nil, "", fmt.Errorf("environment %s of %s: %w", name, repo, err)
	}
	if !ok {
		return nil, "", fmt.Errorf("environment %s of %s was never applied", name, repo)
	}
	var env model.Environment
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, "", fmt.Errorf("decode environment %s: %w", name, err)
	}
	ib, err := d.Environments(ctx, env)
	if err != nil {
		return nil, "", err
	}
	return ib, env.SSMParameterPrefix, nil
}
