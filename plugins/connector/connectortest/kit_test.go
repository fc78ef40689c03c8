package connectortest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

// recorder is a testing.TB that records failures instead of failing, so the kit's own tests
// can prove that it fails bad connectors. Methods the kit should not use panic (nil TB).
type recorder struct {
	testing.TB
	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func (r *recorder) Helper()                   {}
func (r *recorder) Name() string              { return "recorder" }
func (r *recorder) Log(...any)                {}
func (r *recorder) Logf(string, ...any)       {}
func (r *recorder) Cleanup(f func())          { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Errorf(f string, a ...any) { r.add(fmt.Sprintf(f, a...)) }
func (r *recorder) Error(a ...any)            { r.add(fmt.Sprint(a...)) }
func (r *recorder) Fatalf(f string, a ...any) { r.add(fmt.Sprintf(f, a...)); runtime.Goexit() }
func (r *recorder) Fatal(a ...any)            { r.add(fmt.Sprint(a...)); runtime.Goexit() }
func (r *recorder) Failed() bool              { r.mu.Lock(); defer r.mu.Unlock(); return len(r.errs) > 0 }
func (r *recorder) add(s string)              { r.mu.Lock(); defer r.mu.Unlock(); r.errs = append(r.errs, s) }

// runKit runs the kit against impl with a recorder and returns the recorded failures.
func runKit(impl connector.Connector, opts Options) []string {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(r, impl, opts)
	}()
	<-done
	for _, f := range r.cleanups {
		f()
	}
	return r.errs
}

// good is a connector that passes; each test breaks one thing.
type good struct {
	info        connector.Info
	validate    func(connector.Config) error
	send        func(context.Context) (connector.Receipt, error)
	ignoreCtx   bool
	sendLatency time.Duration
}

const goodSchema = `{"type":"object","required":["token"],"additionalProperties":false,"properties":{
	"token":{"type":"string","writeOnly":true},"region":{"type":"string"},"retries":{"type":"integer"}}}`

func newGood() *good {
	return &good{info: connector.Info{
		Name: "goodsms", DisplayName: "Good SMS", Version: "1.0.0", Channel: connector.SMS,
		ConfigSchema: json.RawMessage(goodSchema),
		Usages:       []connector.Usage{connector.UsageLogin, connector.UsageGeneric},
		TemplateKind: connector.TemplateProvider, Placeholders: []string{"code"},
	}}
}

func (g *good) Describe() connector.Info { return g.info }

func (g *good) Validate(_ context.Context, cfg connector.Config, _ bool) error {
	if g.validate != nil {
		return g.validate(cfg)
	}
	var c struct {
		Token   string `json:"token"`
		Region  string `json:"region"`
		Retries int    `json:"retries"`
	}
	if err := cfg.Decode(&c); err != nil {
		return err
	}
	if c.Token == "" {
		return connector.InvalidConfig("token required", connector.FieldError{Field: "token", Reason: "required"})
	}
	return nil
}

func (g *good) Send(ctx context.Context, cfg connector.Config, _ connector.Message) (connector.Receipt, error) {
	if g.send != nil {
		return g.send(ctx)
	}
	if !g.ignoreCtx && ctx.Err() != nil {
		return connector.Receipt{}, connector.Unavailable("abandoned")
	}
	if g.sendLatency > 0 {
		if g.ignoreCtx {
			time.Sleep(g.sendLatency)
		} else {
			select {
			case <-time.After(g.sendLatency):
			case <-ctx.Done():
				return connector.Receipt{}, connector.Unavailable("abandoned")
			}
		}
	}
	return connector.Receipt{MessageID: "m1"}, nil
}

func goodOptions() Options {
	return Options{ValidConfig: json.RawMessage(`{"token":"t-1"}`), SendSucceeds: true, Bound: 200 * time.Millisecond}
}

func TestKitPassesGoodConnector(t *testing.T) {
	if errs := runKit(newGood(), goodOptions()); len(errs) != 0 {
		t.Fatalf("kit failed a good connector:\n%s", strings.Join(errs, "\n"))
	}
	// And with a real *testing.T, as integrators use it.
	Run(t, newGood(), goodOptions())
}

func TestKitFailsBadConnectors(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(*good, *Options)
		want   string
	}{
		{"bad name", func(g *good, _ *Options) { g.info.Name = "Good-SMS" }, `Name "Good-SMS" must match`},
		{"no display name", func(g *good, _ *Options) { g.info.DisplayName = "" }, "DisplayName is empty"},
		{"no version", func(g *good, _ *Options) { g.info.Version = "" }, "Version is empty"},
		{"bad channel", func(g *good, _ *Options) { g.info.Channel = "fax" }, `Channel "fax"`},
		{"no usages", func(g *good, _ *Options) { g.info.Usages = nil }, "Usages is empty"},
		{"non-canonical usage", func(g *good, _ *Options) { g.info.Usages = []connector.Usage{"Register"} }, `usage "Register" is not canonical`},
		{"bad template kind", func(g *good, _ *Options) { g.info.TemplateKind = "" }, "TemplateKind"},
		{"no placeholders", func(g *good, _ *Options) { g.info.Placeholders = nil }, "Placeholders is empty"},
		{"bad placeholder", func(g *good, _ *Options) { g.info.Placeholders = []string{"Code"} }, `placeholder "Code"`},
		{"schema not JSON Schema", func(g *good, _ *Options) { g.info.ConfigSchema = json.RawMessage(`{"type":12}`) }, "not a valid JSON Schema"},
		{"schema not object", func(g *good, _ *Options) {
			g.info.ConfigSchema = json.RawMessage(`{"type":"string"}`)
		}, "must be an object schema"},
		{"secret not marked", func(g *good, _ *Options) {
			g.info.ConfigSchema = json.RawMessage(strings.Replace(goodSchema, `"region":{"type":"string"}`, `"apiKey":{"type":"string"}`, 1))
		}, `property "apiKey" looks secret`},
		{"option secret not marked", func(_ *good, o *Options) { o.SecretFields = []string{"region"} }, `secret property "region" is not marked`},
		{"option secret unknown", func(_ *good, o *Options) { o.SecretFields = []string{"nope"} }, `does not declare`},
		{"valid config refused", func(g *good, _ *Options) {
			g.validate = func(connector.Config) error { return connector.InvalidConfig("no") }
		}, "refused it"},
		{"untyped error", func(g *good, _ *Options) {
			g.validate = func(cfg connector.Config) error {
				if string(cfg) == `{"token":"t-1"}` {
					return nil
				}
				return errors.New("bad config")
			}
		}, "untyped error"},
		{"accepts invalid config", func(g *good, _ *Options) { g.validate = func(connector.Config) error { return nil } }, "Validate accepted {}"},
		{"invalid config without fields", func(g *good, _ *Options) {
			g.validate = func(cfg connector.Config) error {
				if string(cfg) == `{"token":"t-1"}` {
					return nil
				}
				return connector.InvalidConfig("bad")
			}
		}, "returned no field errors"},
		{"wrong kind for invalid config", func(g *good, _ *Options) {
			g.validate = func(cfg connector.Config) error {
				if string(cfg) == `{"token":"t-1"}` {
					return nil
				}
				return connector.Unavailable("bad")
			}
		}, "want invalid_config"},
		{"unknown error kind", func(g *good, _ *Options) {
			g.send = func(context.Context) (connector.Receipt, error) {
				return connector.Receipt{}, &connector.Error{Kind: "weird"}
			}
		}, `unknown kind "weird"`},
		{"empty message id", func(g *good, _ *Options) {
			g.send = func(context.Context) (connector.Receipt, error) { return connector.Receipt{}, nil }
		}, "empty MessageID"},
		{"send fails", func(g *good, _ *Options) {
			g.send = func(context.Context) (connector.Receipt, error) {
				return connector.Receipt{}, connector.Rejected("X", "no")
			}
		}, "Send(ValidConfig) failed"},
		{"ignores cancelled context", func(g *good, _ *Options) { g.ignoreCtx = true }, "cancelled context succeeded"},
		{"ignores deadline", func(g *good, o *Options) {
			g.ignoreCtx, g.sendLatency = true, 500*time.Millisecond
			o.SlowConfig = o.ValidConfig
		}, "deadline took"},
		{"no valid config", func(_ *good, o *Options) { o.ValidConfig = nil }, "ValidConfig is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, opts := newGood(), goodOptions()
			tt.break_(g, &opts)
			errs := runKit(g, opts)
			for _, e := range errs {
				if strings.Contains(e, tt.want) {
					return
				}
			}
			t.Fatalf("kit did not report %q; it reported:\n%s", tt.want, strings.Join(errs, "\n"))
		})
	}
}

func TestLooksSecret(t *testing.T) {
	for name, want := range map[string]bool{
		"api_key": true, "apiKey": true, "accessKeySecret": true, "password": true, "auth_token": true,
		"secretId": true, "region": false, "keyword": false, "monkey": false, "tokens_per_day": false, "sign_name": false,
	} {
		if got := looksSecret(name); got != want {
			t.Errorf("looksSecret(%q) = %v, want %v", name, got, want)
		}
	}
}
