package main

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/gatehouse-iam/gatehouse/internal/testbin"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
	"github.com/gatehouse-iam/gatehouse/plugins/connector/connectortest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Cleanup()
	os.Exit(code)
}

// conformanceRecipient is where the kit's default message goes.
const conformanceRecipient = "conformance@example.com"

// conformanceOptions points the kit at a real SMTP server on 127.0.0.1 speaking implicit TLS
// with a test CA, and SlowConfig at a second one that stalls after DATA with generous
// configured timeouts, so Send must give up at the call's deadline. The kit sends its default
// content-template message. It returns the fast server's backend so the caller can check what
// reached it.
func conformanceOptions(t *testing.T) (connectortest.Options, *backend) {
	t.Helper()
	ca := newTestCA(t)
	b := &backend{user: testUser, pass: testPass}
	port := startServer(t, SecuritySSL, ca, b)
	stalled := &backend{user: testUser, pass: testPass, stallData: make(chan struct{})}
	slowPort := startServer(t, SecuritySSL, ca, stalled)

	raw := func(c connector.Config) json.RawMessage { return json.RawMessage(c) }
	set := func(k string, v any) func(map[string]any) { return func(m map[string]any) { m[k] = v } }
	return connectortest.Options{
		ValidConfig: raw(config(t, SecuritySSL, port, ca)),
		SlowConfig:  raw(config(t, SecuritySSL, slowPort, ca, set("connect_timeout_ms", 60000), set("send_timeout_ms", 60000))),
		InvalidConfigs: []json.RawMessage{
			// Clear text is only allowed to a relay on this machine.
			raw(config(t, SecurityNone, port, ca, set("host", "smtp.example.com"))),
			raw(config(t, SecuritySSL, port, ca, set("security", "tls"))),
			raw(config(t, SecuritySSL, port, ca, set("port", 70000))),
			raw(config(t, SecuritySSL, port, ca, set("preset", "yahoo"))),
			raw(config(t, SecuritySSL, port, ca, set("from", "not an address"))),
			raw(config(t, SecuritySSL, port, ca, set("username", ""))),
			raw(config(t, SecuritySSL, port, ca, set("root_ca_pem", "not PEM"))),
			raw(config(t, SecuritySSL, port, ca, set("send_timeout_ms", 5))),
			raw(config(t, SecuritySSL, port, ca, set("hostname", "127.0.0.1"))),
		},
		SecretFields: []string{"password"},
		SendSucceeds: true,
		Recipient:    conformanceRecipient,
	}, b
}

// assertDelivered checks that the kit's successful Send reached the server.
func assertDelivered(t *testing.T, b *backend) {
	t.Helper()
	sent := slices.ContainsFunc(b.Messages(), func(m received) bool {
		return slices.Equal(m.to, []string{conformanceRecipient}) && m.tls
	})
	if !sent {
		t.Errorf("no message to %s reached the server over TLS; it has %d", conformanceRecipient, len(b.Messages()))
	}
}

func TestConformanceInProcess(t *testing.T) {
	opts, b := conformanceOptions(t)
	connectortest.Run(t, New(), opts)
	assertDelivered(t, b)
}

func TestConformanceBinary(t *testing.T) {
	opts, b := conformanceOptions(t)
	connectortest.RunBinary(t, testbin.Build(t, "./connectors/smtp"), opts)
	assertDelivered(t, b)
}
