package server_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/internal/testbin"
	"github.com/gatehouse-iam/gatehouse/plugins/connector/connectortest"
	"github.com/gatehouse-iam/gatehouse/server"
	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

// The connector of the README's "Write a connector" section, copied as a newcomer would, builds
// in a module of its own, passes the conformance kit, is discovered by the server, and can be
// configured and tested through the API.
func TestREADMEConnector(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	root := testbin.ModuleRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)[strings.Index(string(readme), "## Write a connector"):]
	program := regexp.MustCompile("(?s)### 1\\. The whole program.*?```go\n(.*?)```").FindStringSubmatch(section)
	schema := regexp.MustCompile("(?s)### 2\\. The configuration schema.*?```json\n(.*?)```").FindStringSubmatch(section)
	if program == nil || schema == nil {
		t.Fatal("the README's connector program or schema is missing")
	}

	dir := t.TempDir()
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"main.go":     program[1],
		"schema.json": schema[1],
		"go.sum":      string(gosum),
		"go.mod": "module example.com/acmesms\n\ngo 1.26\n\nrequire github.com/gatehouse-iam/gatehouse v0.0.0\n\n" +
			"replace github.com/gatehouse-iam/gatehouse => " + root + "\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	plugins := servertest.PluginDir(t)
	bin := filepath.Join(plugins, "acmesms")
	build := exec.Command("go", "build", "-mod=mod", "-o", bin, ".")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the README connector does not build: %v\n%s", err, out)
	}

	connectortest.RunBinary(t, bin, connectortest.Options{
		ValidConfig:    json.RawMessage(`{"endpoint": "http://127.0.0.1:1", "api_key": "test-key"}`),
		InvalidConfigs: []json.RawMessage{json.RawMessage(`{"endpoint": "x"}`)},
		SecretFields:   []string{"api_key"},
	})

	s := servertest.Start(t, "sqlite", func(c *server.Config, _ *server.Overrides) { c.PluginDir = plugins })
	var types struct {
		Items []struct{ Name string } `json:"items"`
	}
	s.Do("GET", "/admin/v1/connector-types", nil).Expect(200).Decode(&types)
	found := false
	for _, ty := range types.Items {
		found = found || ty.Name == "acmesms"
	}
	if !found {
		t.Fatalf("the server did not discover acmesms: %+v", types.Items)
	}
	p := createPool(t, s, "Acme")
	var c connectorJSON
	s.Do("POST", "/admin/v1/pools/"+p.ID+"/connectors", map[string]any{"type": "acmesms", "name": "Acme",
		"config":    map[string]any{"endpoint": "https://sms.acme.example", "api_key": "acme-secret"},
		"templates": []map[string]any{{"usage": "login", "id": "42", "params": []string{"code", "ttl_minutes"}}}}).Expect(201).Decode(&c)
	if !c.Secrets["api_key"] {
		t.Fatalf("api_key not kept as a secret: %+v", c)
	}
	var d struct {
		MessageID string `json:"message_id"`
	}
	s.Do("POST", "/admin/v1/pools/"+p.ID+"/connectors/"+c.ID+"/test", map[string]any{"to": "+14155550100", "usage": "login"}).Expect(200).Decode(&d)
	if d.MessageID != "acme-message-id" {
		t.Fatalf("test send answered %q", d.MessageID)
	}
	s.Do("POST", "/admin/v1/pools/"+p.ID+"/connectors", map[string]any{"type": "acmesms", "name": "Broken",
		"config": map[string]any{"endpoint": "https://sms.acme.example"}}).ExpectError(400, "connector_invalid_config")
}
