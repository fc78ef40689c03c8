package server_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/server"
	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

// A default connector that could never send stops the server at start-up, naming the setting.
func TestPlatformConnectorsAreCheckedAtStartup(t *testing.T) {
	db := storagetest.New(t, "sqlite")
	plugins := servertest.PluginDir(t)
	for name, tc := range map[string]struct {
		sms, email server.PlatformConnectorConfig
		want       string // "" for a server that starts
	}{
		"mock defaults": {sms: server.PlatformConnectorConfig{Type: "mocksms"}, email: server.PlatformConnectorConfig{Type: "mockemail"}},
		"unknown type":  {sms: server.PlatformConnectorConfig{Type: "nosuch"}, want: `no connector type "nosuch"`},
		"other channel": {sms: server.PlatformConnectorConfig{Type: "mockemail"}, want: "of the email channel"},
		"bad templates": {email: server.PlatformConnectorConfig{Type: "mockemail", Templates: `[{"usage":"bogus","subject":"s","body":"b"}]`}, want: "default email connector templates"},
		"email rules broken": {email: server.PlatformConnectorConfig{Type: "mockemail",
			Templates: `[{"usage":"login","subject":"Hello","body":"No code here"}]`}, want: "default email connector templates"},
		"config rejected": {sms: server.PlatformConnectorConfig{Type: "mocksms", Config: `{"no_such_field":1}`}, want: "default sms connector config"},
		"null config":     {sms: server.PlatformConnectorConfig{Type: "mocksms", Config: `null`}, want: "default sms connector config"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := server.Config{AdminToken: "t", DataDir: t.TempDir(), PublicURL: "http://x", PluginDir: plugins,
				DefaultSMS: tc.sms, DefaultEmail: tc.email}
			app, err := server.Build(context.Background(), cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Overrides{})
			if app != nil {
				_ = app.Close()
			}
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
