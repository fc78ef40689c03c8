package main

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/internal/tencentfake"
	"github.com/gatehouse-iam/gatehouse/internal/testbin"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
	"github.com/gatehouse-iam/gatehouse/plugins/connector/connectortest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Cleanup()
	os.Exit(code)
}

// conformanceOptions points the kit at a fresh fake of Tencent Cloud SES, and SlowConfig at a
// second fake that stalls every answer, so Send must give up at the call's deadline rather
// than at timeout_ms. It returns the fast fake so the caller can check what reached it.
func conformanceOptions(t *testing.T) (connectortest.Options, *tencentfake.Server) {
	t.Helper()
	fake := newFake(t)
	slow := newFake(t)
	slow.SetDelay(30 * time.Second)
	raw := func(c connector.Config) json.RawMessage { return json.RawMessage(c) }
	set := func(k string, v any) func(map[string]any) { return func(m map[string]any) { m[k] = v } }
	return connectortest.Options{
		ValidConfig: raw(config(t, fake)),
		SlowConfig:  raw(config(t, slow, set("timeout_ms", 60000))),
		InvalidConfigs: []json.RawMessage{
			raw(config(t, fake, set("from", "not an address"))),
			raw(config(t, fake, set("reply_to", "Support <support@example.com>"))),
			raw(config(t, fake, set("secret_key", ""))),
			raw(config(t, fake, set("region", "ap-beijing"))),
			raw(config(t, fake, set("scheme", "ftp"))),
			raw(config(t, fake, set("endpoint", "http://"+fake.Endpoint()+"/"))),
			raw(config(t, fake, set("timeout_ms", 5))),
		},
		SecretFields: []string{"secret_key"},
		// secret_id is the public half of the API key pair, shown in the console's key list;
		// only secret_key is secret.
		NotSecretFields: []string{"secret_id"},
		SendSucceeds:    true,
		// The kit's default message uses a template id "conformance" and no subject; SES
		// templates have numeric ids and SendEmail requires a subject.
		Message: &connector.Message{
			To:        testTo,
			Usage:     connector.UsageLogin,
			Locale:    "en",
			Template:  connector.Template{ID: "65432", Subject: "Your verification code", Params: []string{"otp", "time"}},
			Variables: map[string]string{"otp": testCode, "time": "300"},
		},
	}, fake
}

// assertDelivered checks that the kit's successful Send reached the fake, correctly signed.
func assertDelivered(t *testing.T, fake *tencentfake.Server) {
	t.Helper()
	sent := slices.ContainsFunc(fake.Requests(), func(r tencentfake.Request) bool {
		return r.Action == "SendEmail" && r.AuthError == "" && slices.Equal(r.Strings("Destination"), []string{testTo})
	})
	if !sent {
		t.Errorf("no signed SendEmail to %s reached the fake; it received %v", testTo, fake.Actions())
	}
}

func TestConformanceInProcess(t *testing.T) {
	opts, fake := conformanceOptions(t)
	connectortest.Run(t, New(), opts)
	assertDelivered(t, fake)
}

func TestConformanceBinary(t *testing.T) {
	opts, fake := conformanceOptions(t)
	connectortest.RunBinary(t, testbin.Build(t, "./connectors/tencentses"), opts)
	assertDelivered(t, fake)
}
