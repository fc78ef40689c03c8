// Package connectortest is the conformance kit for Gatehouse connectors. An integrator runs
//
//	connectortest.Run(t, myconnector.New(), connectortest.Options{ValidConfig: ..., Recipient: ...})
//
// against the connector in-process, and RunBinary against the built plugin binary, which also
// exercises --describe, the handshake and the gRPC boundary. Both check what the host relies
// on: complete metadata, a valid object JSON Schema with secrets marked writeOnly, invalid
// configurations refused with field errors, prompt return on a cancelled or expiring context,
// and only typed *connector.Error values of known kinds.
package connectortest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/gatehouse-iam/gatehouse/plugins/connector"
	"github.com/gatehouse-iam/gatehouse/plugins/internal/protocol"
)

// Options tell the kit how to drive the connector.
type Options struct {
	// ValidConfig is a configuration Validate(verify=false) accepts. Required. It should not
	// need the network for Validate(verify=false).
	ValidConfig json.RawMessage
	// InvalidConfigs must each be refused by Validate(verify=false) with an invalid_config
	// error naming at least one field. The kit adds {} when the schema has required properties,
	// and ValidConfig with each typed property set to a value of the wrong type.
	InvalidConfigs []json.RawMessage
	// SecretFields are config properties that must be marked "writeOnly": true, in addition
	// to those whose names look secret (key, secret, password, token).
	SecretFields []string
	// NotSecretFields exempts properties whose names look secret but are not (an "accessKeyId").
	NotSecretFields []string
	// Recipient is a recipient the connector accepts: an E.164 number or an email address.
	// Default +15555550100 for SMS, conformance@example.com for email.
	Recipient string
	// Message is sent by the send checks; default: the first usage with a template fitting
	// the template kind, using every placeholder.
	Message *connector.Message
	// SendSucceeds asks the kit to require that Send with ValidConfig succeeds (for connectors
	// whose ValidConfig points at a fake provider). Otherwise Send may fail, typed.
	SendSucceeds bool
	// SlowConfig, when set, makes Send take longer than a second (a fake provider that stalls);
	// the kit then requires Send with an expiring context to return an error promptly.
	SlowConfig json.RawMessage
	// Bound is how long past its deadline a call may take to return. Default 1s.
	Bound time.Duration
}

var (
	namePattern        = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	placeholderPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// Run checks impl in-process. t may be any testing.TB; with a *testing.T each check is a
// subtest.
func Run(t testing.TB, impl connector.Connector, opts Options) {
	t.Helper()
	if opts.Bound <= 0 {
		opts.Bound = time.Second
	}
	k := &kit{impl: impl, opts: opts}
	k.info = impl.Describe()
	checks := []struct {
		name string
		fn   func(testing.TB)
	}{
		{"Metadata", k.metadata},
		{"Schema", k.schema},
		{"SecretsWriteOnly", k.secrets},
		{"ValidConfigAccepted", k.validConfig},
		{"InvalidConfigsRefused", k.invalidConfigs},
		{"Send", k.send},
		{"SendCancelledContext", k.sendCancelled},
		{"SendExpiringContext", k.sendExpiring},
	}
	for _, c := range checks {
		if tt, ok := t.(*testing.T); ok {
			tt.Run(c.name, func(t *testing.T) { c.fn(t) })
			continue
		}
		c.fn(prefixed{TB: t, prefix: c.name + ": "})
	}
}

// RunBinary checks the connector binary at path: --describe must print the same metadata the
// plugin reports over gRPC, and then every Run check runs against the plugin process, through
// the same handshake and transport the host uses.
func RunBinary(t testing.TB, path string, opts Options) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "--describe")
	cmd.Env = []string{}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s --describe: %v (stderr: %s)", path, err, stderr.String())
	}
	var described connector.Info
	if err := json.Unmarshal(stdout.Bytes(), &described); err != nil {
		t.Fatalf("%s --describe printed something that is not Info JSON: %v", path, err)
	}

	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  protocol.Handshake,
		Plugins:          protocol.PluginSet(nil, nil),
		Cmd:              protocol.Command(path, protocol.DefaultMaxProcs),
		AutoMTLS:         true,
		SkipHostEnv:      true,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     30 * time.Second,
		Logger:           hclog.New(&hclog.LoggerOptions{Output: testWriter{t}, Level: hclog.Info}),
	})
	t.Cleanup(client.Kill)
	rpc, err := client.Client()
	if err != nil {
		t.Fatalf("launch %s: %v", path, err)
	}
	raw, err := rpc.Dispense(protocol.PluginName)
	if err != nil {
		t.Fatalf("dispense connector from %s: %v", path, err)
	}
	conn := raw.(*protocol.Client)
	info, err := conn.Info(ctx)
	if err != nil {
		t.Fatalf("Describe over gRPC: %v", err)
	}
	if !infoEqual(info, described) {
		t.Errorf("--describe and gRPC Describe disagree:\n--describe: %+v\ngRPC:       %+v", described, info)
	}
	Run(t, conn, opts)
}

func infoEqual(a, b connector.Info) bool {
	var sa, sb any
	if json.Unmarshal(a.ConfigSchema, &sa) != nil || json.Unmarshal(b.ConfigSchema, &sb) != nil || !reflect.DeepEqual(sa, sb) {
		return false
	}
	a.ConfigSchema, b.ConfigSchema = nil, nil
	return reflect.DeepEqual(a, b)
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// prefixed names the check in failures when checks cannot be subtests.
type prefixed struct {
	testing.TB
	prefix string
}

func (p prefixed) Errorf(format string, args ...any) {
	p.TB.Helper()
	p.TB.Errorf(p.prefix+format, args...)
}
func (p prefixed) Fatalf(format string, args ...any) {
	p.TB.Helper()
	p.TB.Fatalf(p.prefix+format, args...)
}

type kit struct {
	impl connector.Connector
	opts Options
	info connector.Info
}

// checkErr requires err to be a typed *connector.Error of a known kind; it returns it.
func checkErr(t testing.TB, call string, err error) *connector.Error {
	t.Helper()
	if err == nil {
		return nil
	}
	var ce *connector.Error
	if !errors.As(err, &ce) {
		t.Errorf("%s returned an untyped error %T (%v); return a *connector.Error", call, err, err)
		return nil
	}
	if !ce.Kind.Known() {
		t.Errorf("%s returned an error of unknown kind %q", call, ce.Kind)
	}
	return ce
}

func (k *kit) metadata(t testing.TB) {
	t.Helper()
	i := k.info
	if !namePattern.MatchString(i.Name) {
		t.Errorf("Name %q must match %s", i.Name, namePattern)
	}
	if strings.TrimSpace(i.DisplayName) == "" {
		t.Errorf("DisplayName is empty")
	}
	if strings.TrimSpace(i.Version) == "" {
		t.Errorf("Version is empty")
	}
	if i.Channel != connector.SMS && i.Channel != connector.Email {
		t.Errorf("Channel %q must be sms or email", i.Channel)
	}
	if len(i.Usages) == 0 {
		t.Errorf("Usages is empty; list the usages the connector has templates for")
	}
	seen := map[connector.Usage]bool{}
	for _, u := range i.Usages {
		if !slices.Contains(connector.Usages, u) {
			t.Errorf("usage %q is not canonical (one of %v)", u, connector.Usages)
		}
		if seen[u] {
			t.Errorf("usage %q is listed twice", u)
		}
		seen[u] = true
	}
	if i.TemplateKind != connector.TemplateProvider && i.TemplateKind != connector.TemplateContent {
		t.Errorf("TemplateKind %q must be provider or content", i.TemplateKind)
	}
	if len(i.Placeholders) == 0 {
		t.Errorf("Placeholders is empty; list the variables templates may use (code, ...)")
	}
	seenP := map[string]bool{}
	for _, p := range i.Placeholders {
		if !placeholderPattern.MatchString(p) {
			t.Errorf("placeholder %q must match %s", p, placeholderPattern)
		}
		if seenP[p] {
			t.Errorf("placeholder %q is listed twice", p)
		}
		seenP[p] = true
	}
	if again := k.impl.Describe(); !infoEqual(again, i) {
		t.Errorf("Describe is not stable: two calls returned different metadata")
	}
}

// schemaDoc is the part of the config schema the kit reasons about.
type schemaDoc struct {
	Type       any                        `json:"type"`
	Required   []string                   `json:"required"`
	Properties map[string]json.RawMessage `json:"properties"`
}

type propDoc struct {
	Type      any  `json:"type"`
	WriteOnly bool `json:"writeOnly"`
}

func (k *kit) parseSchema() (schemaDoc, map[string]propDoc, error) {
	var s schemaDoc
	if err := json.Unmarshal(k.info.ConfigSchema, &s); err != nil {
		return s, nil, err
	}
	props := map[string]propDoc{}
	for name, raw := range s.Properties {
		var p propDoc
		_ = json.Unmarshal(raw, &p)
		props[name] = p
	}
	return s, props, nil
}

func (k *kit) schema(t testing.TB) {
	t.Helper()
	if len(k.info.ConfigSchema) == 0 {
		t.Fatalf("ConfigSchema is empty")
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(k.info.ConfigSchema))
	if err != nil {
		t.Fatalf("ConfigSchema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("conformance:///schema.json", doc); err != nil {
		t.Fatalf("ConfigSchema: %v", err)
	}
	sch, err := c.Compile("conformance:///schema.json")
	if err != nil {
		t.Fatalf("ConfigSchema is not a valid JSON Schema: %v", err)
	}
	s, _, _ := k.parseSchema()
	if s.Type != "object" {
		t.Errorf(`ConfigSchema must be an object schema ("type": "object"), has type %v`, s.Type)
	}
	if len(s.Properties) == 0 {
		t.Errorf("ConfigSchema declares no properties")
	}
	if len(k.opts.ValidConfig) > 0 {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(k.opts.ValidConfig))
		if err != nil {
			t.Fatalf("Options.ValidConfig is not JSON: %v", err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("Options.ValidConfig does not satisfy ConfigSchema: %v", err)
		}
	}
}

// looksSecret splits a property name into words (snake_case and camelCase) and reports whether
// one of them names a secret.
func looksSecret(name string) bool {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for _, r := range name {
		switch {
		case r == '_' || r == '-' || r == '.':
			flush()
		case unicode.IsUpper(r):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	for _, w := range words {
		switch w {
		case "key", "apikey", "secret", "password", "passwd", "token", "credential", "credentials":
			return true
		}
	}
	return false
}

func (k *kit) secrets(t testing.TB) {
	t.Helper()
	_, props, err := k.parseSchema()
	if err != nil {
		t.Fatalf("ConfigSchema: %v", err)
	}
	for name, p := range props {
		if looksSecret(name) && !slices.Contains(k.opts.NotSecretFields, name) && !p.WriteOnly {
			t.Errorf(`property %q looks secret but is not marked "writeOnly": true (or list it in Options.NotSecretFields)`, name)
		}
	}
	for _, name := range k.opts.SecretFields {
		p, ok := props[name]
		switch {
		case !ok:
			t.Errorf("Options.SecretFields names %q, which the schema does not declare", name)
		case !p.WriteOnly:
			t.Errorf(`secret property %q is not marked "writeOnly": true`, name)
		}
	}
}

func (k *kit) validConfig(t testing.TB) {
	t.Helper()
	if len(k.opts.ValidConfig) == 0 {
		t.Fatalf("Options.ValidConfig is required")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := k.impl.Validate(ctx, connector.Config(k.opts.ValidConfig), false)
	if ce := checkErr(t, "Validate(ValidConfig)", err); ce != nil {
		t.Errorf("Validate(ValidConfig, verify=false) refused it: %v", ce)
	}
}

// wrongValue is a JSON value of a type other than typ.
func wrongValue(typ any) (json.RawMessage, bool) {
	switch typ {
	case "string":
		return json.RawMessage(`12345`), true
	case "integer", "number":
		return json.RawMessage(`"not a number"`), true
	case "boolean":
		return json.RawMessage(`"yes"`), true
	case "object":
		return json.RawMessage(`7`), true
	case "array":
		return json.RawMessage(`{"not":"an array"}`), true
	}
	return nil, false
}

func (k *kit) invalidConfigs(t testing.TB) {
	t.Helper()
	type named struct {
		name string
		cfg  json.RawMessage
	}
	var cases []named
	for i, c := range k.opts.InvalidConfigs {
		cases = append(cases, named{fmt.Sprintf("Options.InvalidConfigs[%d]", i), c})
	}
	s, props, err := k.parseSchema()
	if err != nil {
		t.Fatalf("ConfigSchema: %v", err)
	}
	if len(s.Required) > 0 {
		cases = append(cases, named{"{} (the schema has required properties)", json.RawMessage(`{}`)})
	}
	var valid map[string]json.RawMessage
	if json.Unmarshal(k.opts.ValidConfig, &valid) == nil {
		names := make([]string, 0, len(props))
		for name := range props {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			bad, ok := wrongValue(props[name].Type)
			if !ok {
				continue
			}
			cfg := map[string]json.RawMessage{}
			for k, v := range valid {
				cfg[k] = v
			}
			cfg[name] = bad
			raw, _ := json.Marshal(cfg)
			cases = append(cases, named{fmt.Sprintf("ValidConfig with %q of the wrong type", name), raw})
		}
	}
	if len(cases) == 0 {
		t.Errorf("no invalid configuration to try: give Options.InvalidConfigs or typed schema properties")
	}
	for _, c := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := k.impl.Validate(ctx, connector.Config(c.cfg), false)
		cancel()
		if err == nil {
			t.Errorf("Validate accepted %s: %s", c.name, c.cfg)
			continue
		}
		ce := checkErr(t, "Validate("+c.name+")", err)
		if ce == nil {
			continue
		}
		if ce.Kind != connector.KindInvalidConfig {
			t.Errorf("Validate(%s) returned kind %s, want invalid_config", c.name, ce.Kind)
		}
		if len(ce.Fields) == 0 {
			t.Errorf("Validate(%s) returned no field errors; name the offending fields", c.name)
		}
	}
}

func (k *kit) recipient() string {
	if k.opts.Recipient != "" {
		return k.opts.Recipient
	}
	if k.info.Channel == connector.Email {
		return "conformance@example.com"
	}
	return "+15555550100"
}

func (k *kit) message() connector.Message {
	if k.opts.Message != nil {
		return *k.opts.Message
	}
	usage := connector.UsageGeneric
	if len(k.info.Usages) > 0 {
		usage = k.info.Usages[0]
	}
	vars := map[string]string{}
	var body strings.Builder
	for _, p := range k.info.Placeholders {
		vars[p] = "v-" + p
		fmt.Fprintf(&body, "%s={{.%s}} ", p, p)
	}
	msg := connector.Message{To: k.recipient(), Usage: usage, Locale: "en", Variables: vars}
	if k.info.TemplateKind == connector.TemplateProvider {
		msg.Template = connector.Template{ID: "conformance", Params: k.info.Placeholders}
	} else {
		msg.Template = connector.Template{Subject: "Conformance", Body: body.String(), HTMLBody: "<p>" + body.String() + "</p>"}
	}
	return msg
}

func (k *kit) send(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msg := k.message()
	if msg.To == "" {
		msg.To = k.recipient()
	}
	receipt, err := k.impl.Send(ctx, connector.Config(k.opts.ValidConfig), msg)
	checkErr(t, "Send(ValidConfig)", err)
	switch {
	case err == nil && receipt.MessageID == "":
		t.Errorf("Send succeeded with an empty MessageID")
	case err != nil && k.opts.SendSucceeds:
		t.Errorf("Send(ValidConfig) failed: %v", err)
	}
}

func (k *kit) sendCancelled(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	_, err := k.impl.Send(ctx, connector.Config(k.opts.ValidConfig), k.message())
	if took := time.Since(start); took > k.opts.Bound {
		t.Errorf("Send with a cancelled context took %s (bound %s)", took, k.opts.Bound)
	}
	if err == nil {
		t.Errorf("Send with a cancelled context succeeded; check ctx before talking to the provider")
		return
	}
	checkErr(t, "Send(cancelled ctx)", err)
}

func (k *kit) sendExpiring(t testing.TB) {
	t.Helper()
	cfg := k.opts.ValidConfig
	if len(k.opts.SlowConfig) > 0 {
		cfg = k.opts.SlowConfig
	}
	const deadline = 100 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	_, err := k.impl.Send(ctx, connector.Config(cfg), k.message())
	if took := time.Since(start); took > deadline+k.opts.Bound {
		t.Errorf("Send with a %s deadline took %s (bound %s past the deadline)", deadline, took, k.opts.Bound)
	}
	if len(k.opts.SlowConfig) > 0 && err == nil {
		t.Errorf("Send with SlowConfig and a %s deadline succeeded; it must give up at the deadline", deadline)
	}
	checkErr(t, "Send(expiring ctx)", err)
}
