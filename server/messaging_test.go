package server

import (
	"reflect"
	"slices"
	"testing"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Configured default templates replace the built-in ones whole, and leave them as they were.
func TestPlatformTemplatesReplaceTheBuiltIns(t *testing.T) {
	builtIn := slices.Clone(defaultEmailTemplates)
	cfg := Config{DataDir: t.TempDir(), DefaultEmail: PlatformConnectorConfig{Type: "mockemail",
		Templates: `[{"usage":"generic","id":"65432"}]`}}
	out, err := platformConnectors(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []domain.MessageTemplate{{Usage: "generic", ID: "65432"}}
	if got := out[domain.ChannelEmail].Templates; !reflect.DeepEqual(got, want) {
		t.Errorf("templates %+v, want %+v", got, want)
	}
	if !reflect.DeepEqual(defaultEmailTemplates, builtIn) {
		t.Errorf("built-in templates changed to %+v", defaultEmailTemplates)
	}
}
