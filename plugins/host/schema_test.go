package host

import (
	"strings"
	"testing"
)

// A config value that breaks the schema is never quoted in the violation: it may be a secret
// pasted into the wrong field, and an escaped quote in it would slip past the redactor.
func TestSchemaViolationsDoNotQuoteValues(t *testing.T) {
	sch, err := compileSchema("probe", []byte(`{"type": "object", "properties": {
		"app_id": {"type": "string", "pattern": "^[0-9]+$"},
		"token":  {"type": "string", "writeOnly": true, "pattern": "^[a-z]+$"},
		"region": {"enum": ["ap-guangzhou", "ap-beijing"]},
		"fixed":  {"const": "v1"},
		"port":   {"type": "integer", "minimum": 1, "maximum": 65535}}}`))
	if err != nil {
		t.Fatal(err)
	}
	const secret = "sEcr'et\"Val9"
	for _, c := range []struct{ config, field, reason string }{
		{`{"app_id": "` + strings.ReplaceAll(secret, `"`, `\"`) + `"}`, "config.app_id", "does not match pattern ^[0-9]+$"},
		{`{"token": "` + strings.ReplaceAll(secret, `"`, `\"`) + `"}`, "config.token", "does not match pattern ^[a-z]+$"},
		{`{"region": "` + strings.ReplaceAll(secret, `"`, `\"`) + `"}`, "config.region", "is not one of the allowed values"},
		{`{"fixed": "` + strings.ReplaceAll(secret, `"`, `\"`) + `"}`, "config.fixed", "is not the allowed value"},
		{`{"port": 987654}`, "config.port", "must be at most 65535"},
		{`{"port": 0}`, "config.port", "must be at least 1"},
	} {
		got := checkConfig(sch, []byte(c.config))
		if len(got) != 1 || got[0].Field != c.field || got[0].Reason != c.reason {
			t.Errorf("%s: %+v, want %s %q", c.config, got, c.field, c.reason)
		}
		for _, f := range got {
			if strings.Contains(f.Reason, "sEcr") || strings.Contains(f.Reason, "987654") {
				t.Errorf("%s: the violation quotes the value: %q", c.config, f.Reason)
			}
		}
	}
}
