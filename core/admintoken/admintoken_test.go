package admintoken_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/core/admintoken"
)

type memSettings map[string]string

func (m memSettings) Get(_ context.Context, name string) (string, error) { return m[name], nil }
func (m memSettings) Put(_ context.Context, name, value string) error    { m[name] = value; return nil }

func TestGeneratedTokenIsStoredOnlyAsHashAndSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	settings := memSettings{}
	g, token, err := admintoken.Setup(ctx, settings, "")
	if err != nil || !strings.HasPrefix(token, "gh_admin_") {
		t.Fatalf("setup: %q %v", token, err)
	}
	if strings.Contains(settings[admintoken.SettingName], token) || len(settings[admintoken.SettingName]) != 64 {
		t.Fatalf("stored %q", settings[admintoken.SettingName])
	}
	if err := g.Verify(token); err != nil {
		t.Fatal(err)
	}
	restarted, again, err := admintoken.Setup(ctx, settings, "")
	if err != nil || again != "" {
		t.Fatalf("second start generated a new token: %q %v", again, err)
	}
	if err := restarted.Verify(token); err != nil {
		t.Fatal("token lost across restart")
	}
	for _, wrong := range []string{"", token + "x", strings.ToUpper(token)} {
		if restarted.Verify(wrong) == nil {
			t.Fatalf("accepted %q", wrong)
		}
	}
}

func TestConfiguredTokenWins(t *testing.T) {
	ctx := context.Background()
	settings := memSettings{}
	_, generated, _ := admintoken.Setup(ctx, settings, "")
	g, shown, err := admintoken.Setup(ctx, settings, "configured")
	if err != nil || shown != "" {
		t.Fatal(shown, err)
	}
	if g.Verify("configured") != nil || g.Verify(generated) == nil {
		t.Fatal("configured token must replace the generated one")
	}
}
