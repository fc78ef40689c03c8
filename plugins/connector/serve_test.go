package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/gatehouse-iam/gatehouse/plugins/internal/protocol"
)

type describeOnly struct{ info Info }

func (d describeOnly) Describe() Info                             { return d.info }
func (describeOnly) Validate(context.Context, Config, bool) error { return nil }
func (describeOnly) Send(context.Context, Config, Message) (Receipt, error) {
	return Receipt{}, nil
}

func TestServeDescribe(t *testing.T) {
	info := Info{Name: "x", DisplayName: "X", Version: "1", Channel: SMS, ConfigSchema: json.RawMessage(`{"type":"object"}`),
		Usages: []Usage{UsageLogin}, TemplateKind: TemplateProvider, Placeholders: []string{"code"}}
	var stdout, stderr bytes.Buffer
	if code := serve(describeOnly{info}, []string{"--describe"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d, stderr %s", code, stderr.String())
	}
	var got Info
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("stdout is not Info JSON: %v\n%s", err, stdout.String())
	}
	var want Info
	b, _ := json.Marshal(info)
	_ = json.Unmarshal(b, &want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("described %+v, want %+v", got, want)
	}
}

func TestServeRejectsUnknownFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := serve(describeOnly{}, []string{"--nope"}, &stdout, &stderr); code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
	if stdout.Len() != 0 {
		t.Errorf("printed to stdout: %q", stdout.String())
	}
}

func TestDecodeNamesFields(t *testing.T) {
	var v struct {
		N int `json:"n"`
	}
	for cfg, field := range map[string]string{`{"n":"x"}`: "n", `{"m":1}`: "m", `[1]`: "."} {
		err := Config(cfg).Decode(&v)
		e := AsError(err)
		if e == nil || e.Kind != KindInvalidConfig || len(e.Fields) != 1 || e.Fields[0].Field != field {
			t.Errorf("Decode(%s) = %#v, want invalid_config naming %q", cfg, e, field)
		}
	}
}

// An embedded struct's fields sit in the enclosing JSON object, so the error names them as the
// JSON does, without the embedded struct's Go name. An embedded non-struct is a field of its
// own and keeps its name.
func TestDecodeNamesFieldsOfEmbeddedStructs(t *testing.T) {
	type Shared struct {
		Timeout int `json:"timeout_ms"`
	}
	type Level int
	type Inner struct {
		Shared
		N int `json:"n"`
	}
	type conf struct {
		Shared
		Level
		Name  string  `json:"name"`
		Inner *Inner  `json:"inner"`
		List  []Inner `json:"list"`
	}
	for cfg, field := range map[string]string{
		`{"timeout_ms":"x"}`:                   "timeout_ms",
		`{"name":1}`:                           "name",
		`{"inner":{"timeout_ms":"x"}}`:         "inner.timeout_ms",
		`{"inner":{"n":"x"}}`:                  "inner.n",
		`{"list":[{"n":1},{"timeout_ms":""}]}`: "list.timeout_ms",
		`{"Level":"x"}`:                        "Level",
	} {
		var c conf
		e := AsError(Config(cfg).Decode(&c))
		if e == nil || len(e.Fields) != 1 || e.Fields[0].Field != field || strings.Contains(e.Message, "Shared") {
			t.Errorf("Decode(%s) = %v, want a type error naming %q", cfg, e, field)
		}
	}
}

// The host a plugin watches is the one the host named, else the parent, as for a plugin run by
// hand; a value that is no process id is not taken for one.
func TestHostPID(t *testing.T) {
	log := hclog.NewNullLogger()
	for value, want := range map[string]int{"4242": 4242, "": os.Getppid(), "x": os.Getppid(), "0": os.Getppid(), "-3": os.Getppid()} {
		t.Setenv(protocol.HostPIDEnv, value)
		if got := hostPID(log); got != want {
			t.Errorf("%s=%q: host %d, want %d", protocol.HostPIDEnv, value, got, want)
		}
	}
	os.Unsetenv(protocol.HostPIDEnv)
	if got := hostPID(log); got != os.Getppid() {
		t.Errorf("without %s: host %d, want the parent %d", protocol.HostPIDEnv, got, os.Getppid())
	}
}
