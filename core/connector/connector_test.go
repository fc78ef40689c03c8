package connector_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/internal/fake"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/connector"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/messaging"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// fakeSender offers one SMS type whose config needs "outbox" and has the secret "api_key".
// validated keeps each configuration Validate saw and inTx counts the calls made inside a
// transaction; onValidate, when set, runs in every Validate call.
type fakeSender struct {
	sent       []domain.OutboundMessage
	configs    [][]byte
	verified   int
	failSends  error
	validated  []string
	inTx       int
	onValidate func()
}

var smsType = domain.ConnectorType{Name: "fakesms", Channel: domain.ChannelSMS, Usages: domain.CanonicalUsages,
	TemplateKind: domain.TemplateKindProvider, Placeholders: []string{"code", "ttl_minutes"}, SecretFields: []string{"api_key"}}

func (f *fakeSender) ConnectorTypes(context.Context) ([]domain.ConnectorType, error) {
	return []domain.ConnectorType{smsType}, nil
}

func (f *fakeSender) Validate(ctx context.Context, typ string, cfg []byte, verify bool) error {
	f.validated = append(f.validated, string(cfg))
	if fake.InTx(ctx) {
		f.inTx++
	}
	if f.onValidate != nil {
		f.onValidate()
	}
	var m map[string]any
	if err := json.Unmarshal(cfg, &m); err != nil {
		return err
	}
	if _, ok := m["outbox"]; !ok {
		return domain.Invalid(domain.CodeConnectorInvalidConfig, "outbox is required", domain.FieldError{Field: "config.outbox", Reason: "is required"})
	}
	if verify {
		f.verified++
		if m["api_key"] != "right" {
			return domain.Invalid(domain.CodeConnectorInvalidConfig, "credentials refused")
		}
	}
	return nil
}

func (f *fakeSender) Send(_ context.Context, typ string, cfg []byte, msg domain.OutboundMessage) (domain.Delivery, error) {
	if f.failSends != nil {
		return domain.Delivery{}, f.failSends
	}
	f.sent = append(f.sent, msg)
	f.configs = append(f.configs, cfg)
	return domain.Delivery{MessageID: fmt.Sprintf("m%d", len(f.sent)), Latency: time.Millisecond}, nil
}

// xorCipher stands in for AES-GCM: it only has to be reversible and bound to associated data.
type xorCipher struct{}

func (xorCipher) Seal(p, ad []byte) ([]byte, error) {
	out := append([]byte(string(ad)+"|"), p...)
	for i := range out {
		out[i] ^= 0x5a
	}
	return out, nil
}
func (xorCipher) Open(s, ad []byte) ([]byte, error) {
	out := bytes.Clone(s)
	for i := range out {
		out[i] ^= 0x5a
	}
	prefix := string(ad) + "|"
	if !strings.HasPrefix(string(out), prefix) {
		return nil, errors.New("bound to another row")
	}
	return out[len(prefix):], nil
}

type memConnectors struct{ byID map[string]domain.Connector }

func (m *memConnectors) Create(_ context.Context, c *domain.Connector) error {
	for _, o := range m.byID {
		if o.PoolID == c.PoolID && o.Name == c.Name {
			return domain.Conflict("duplicate", "exists")
		}
	}
	m.byID[c.ID] = *c
	return nil
}
func (m *memConnectors) Get(_ context.Context, poolID, id string) (*domain.Connector, error) {
	c, ok := m.byID[id]
	if !ok || c.PoolID != poolID {
		return nil, domain.NotFound("connector")
	}
	return &c, nil
}
func (m *memConnectors) List(context.Context, string, domain.Page) (domain.List[domain.Connector], error) {
	return domain.List[domain.Connector]{}, nil
}
func (m *memConnectors) Update(ctx context.Context, poolID, id string, fn func(*domain.Connector) error) (*domain.Connector, error) {
	c, err := m.Get(ctx, poolID, id)
	if err != nil {
		return nil, err
	}
	if err := fn(c); err != nil {
		return nil, err
	}
	m.byID[id] = *c
	return c, nil
}
func (m *memConnectors) Delete(_ context.Context, poolID, id string) error {
	delete(m.byID, id)
	return nil
}

type onePool struct{ ports.PoolStore }

func (onePool) Get(_ context.Context, id string) (*domain.Pool, error) {
	if id != "p1" {
		return nil, domain.NotFound("pool")
	}
	return &domain.Pool{ID: id}, nil
}

type clock struct{}

func (clock) Now() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

type ids struct{ n int }

func (i *ids) NewID() string { i.n++; return fmt.Sprintf("c%d", i.n) }

func newService() (*connector.Service, *fakeSender, *memConnectors) {
	sender := &fakeSender{}
	store := &memConnectors{byID: map[string]domain.Connector{}}
	msgs := &messaging.Service{Sender: sender, Cipher: xorCipher{}}
	return &connector.Service{Connectors: store, Pools: onePool{}, Sender: sender, Messages: msgs, Cipher: xorCipher{},
		Locker: &fake.Pools{IDs: []string{"p1"}}, Tx: fake.Tx{}, Clock: clock{}, IDs: &ids{}, Audit: audit.Recorder{Log: &fake.AuditLog{}, Clock: clock{}, IDs: &fake.IDs{}}}, sender, store
}

var loginTemplate = []domain.MessageTemplate{{Usage: "login", ID: "T-LOGIN", Params: []string{"code", "ttl_minutes"}},
	{Usage: "generic", ID: "T-GENERIC", Params: []string{"code"}}}

// newServiceWithConnector is newService with an SMS connector of pool p1 created: its name given
// padded (" SMS "), the config {"outbox":"/tmp/x","api_key":"right"} and loginTemplate.
func newServiceWithConnector(t *testing.T) (*connector.Service, *fakeSender, *memConnectors, *domain.Connector) {
	t.Helper()
	s, sender, store := newService()
	c, err := s.Create(context.Background(), connector.CreateRequest{PoolID: "p1", Type: "fakesms", Name: " SMS ",
		Config: json.RawMessage(`{"outbox":"/tmp/x","api_key":"right"}`), Templates: loginTemplate})
	if err != nil {
		t.Fatal(err)
	}
	return s, sender, store, c
}

func TestCreateSealsSecretsAndKeepsThemOnEdit(t *testing.T) {
	ctx := context.Background()
	s, sender, store, c := newServiceWithConnector(t)
	stored := store.byID[c.ID]
	if _, ok := stored.Config["api_key"]; ok || bytes.Contains(stored.SealedSecrets, []byte("right")) {
		t.Fatalf("secret stored in clear: %+v", stored)
	}
	if c.Name != "SMS" || len(c.SecretsSet) != 1 || !s.SecretStatus(ctx, c)["api_key"] {
		t.Fatalf("created %+v", c)
	}
	// An edit that omits the secret keeps it.
	if _, err := s.Update(ctx, connector.UpdateRequest{PoolID: "p1", ID: c.ID, Config: json.RawMessage(`{"outbox":"/tmp/y"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(ctx, "p1", c.ID); err != nil {
		t.Fatalf("secret lost on edit: %v", err)
	}
	// Sending reassembles the full configuration and resolves the template by usage.
	d, err := s.Test(ctx, connector.TestRequest{PoolID: "p1", ID: c.ID, To: "13612345678", Usage: "login"})
	if err != nil || d.MessageID != "m1" {
		t.Fatal(d, err)
	}
	if sender.sent[0].To != "+8613612345678" || sender.sent[0].Template.ID != "T-LOGIN" || sender.sent[0].Variables["code"] != "123456" {
		t.Fatalf("sent %+v", sender.sent[0])
	}
	if !strings.Contains(string(sender.configs[0]), `"api_key":"right"`) || !strings.Contains(string(sender.configs[0]), `"/tmp/y"`) {
		t.Fatalf("config sent %s", sender.configs[0])
	}
	// A usage without its own template falls back to generic.
	if _, err := s.Test(ctx, connector.TestRequest{PoolID: "p1", ID: c.ID, To: "+14155550100", Usage: "mfa"}); err != nil || sender.sent[1].Template.ID != "T-GENERIC" {
		t.Fatalf("generic fallback: %v %+v", err, sender.sent)
	}
	// Removing the secret explicitly.
	if _, err := s.Update(ctx, connector.UpdateRequest{PoolID: "p1", ID: c.ID, Config: json.RawMessage(`{"outbox":"/tmp/y","api_key":null}`)}); err != nil {
		t.Fatal(err)
	}
	if s.SecretStatus(ctx, &domain.Connector{Type: "fakesms", SecretsSet: store.byID[c.ID].SecretsSet})["api_key"] {
		t.Fatal("secret not removed")
	}
}

func TestBadInputStoresNothing(t *testing.T) {
	ctx := context.Background()
	cases := map[string]struct {
		req  connector.CreateRequest
		code string
	}{
		"unknown type":      {connector.CreateRequest{PoolID: "p1", Type: "nope", Name: "a", Config: json.RawMessage(`{}`)}, domain.CodeUnknownConnectorType},
		"schema violation":  {connector.CreateRequest{PoolID: "p1", Type: "fakesms", Name: "a", Config: json.RawMessage(`{}`)}, domain.CodeConnectorInvalidConfig},
		"config not object": {connector.CreateRequest{PoolID: "p1", Type: "fakesms", Name: "a", Config: json.RawMessage(`[1]`)}, domain.CodeInvalidRequest},
		"unknown variable": {connector.CreateRequest{PoolID: "p1", Type: "fakesms", Name: "a", Config: json.RawMessage(`{"outbox":"x"}`),
			Templates: []domain.MessageTemplate{{Usage: "login", ID: "T", Params: []string{"password"}}}}, domain.CodeInvalidTemplate},
		"blank name":   {connector.CreateRequest{PoolID: "p1", Type: "fakesms", Name: " ", Config: json.RawMessage(`{"outbox":"x"}`)}, domain.CodeInvalidRequest},
		"unknown pool": {connector.CreateRequest{PoolID: "p9", Type: "fakesms", Name: "a", Config: json.RawMessage(`{"outbox":"x"}`)}, domain.CodeNotFound},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s, _, store := newService()
			_, err := s.Create(ctx, tc.req)
			if domain.CodeOf(err) != tc.code {
				t.Fatalf("got %v, want code %s", err, tc.code)
			}
			if len(store.byID) != 0 {
				t.Fatal("refused create stored a connector")
			}
		})
	}
}

func TestTestRefusesMalformedRecipientsAndOtherPools(t *testing.T) {
	ctx := context.Background()
	s, sender, _, c := newServiceWithConnector(t)
	if _, err := s.Test(ctx, connector.TestRequest{PoolID: "p1", ID: c.ID, To: "1361234567x"}); !errors.Is(err, domain.ErrMalformedPhone) {
		t.Fatalf("malformed phone: %v", err)
	}
	if _, err := s.Test(ctx, connector.TestRequest{PoolID: "p2", ID: c.ID, To: "13612345678"}); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("another pool's connector: %v", err)
	}
	if _, err := s.Test(ctx, connector.TestRequest{PoolID: "p1", ID: c.ID, To: "13612345678", Usage: "nonsense"}); domain.CodeOf(err) != domain.CodeInvalidRequest {
		t.Fatalf("unknown usage: %v", err)
	}
	if len(sender.sent) != 0 {
		t.Fatal("refused tests sent messages")
	}
	sender.failSends = domain.Unavailable(domain.CodeConnectorUnavailable, "down", nil)
	if _, err := s.Test(ctx, connector.TestRequest{PoolID: "p1", ID: c.ID, To: "13612345678", Usage: "login"}); domain.CodeOf(err) != domain.CodeConnectorUnavailable {
		t.Fatalf("connector failure not passed through typed: %v", err)
	}
}

func TestDraftTestStoresNothing(t *testing.T) {
	s, sender, store := newService()
	d, err := s.TestDraft(context.Background(), connector.DraftTestRequest{PoolID: "p1", Type: "fakesms",
		Config: json.RawMessage(`{"outbox":"x","api_key":"k"}`), Templates: loginTemplate, To: "13612345678", Usage: "login"})
	if err != nil || d.MessageID == "" || len(sender.sent) != 1 || len(store.byID) != 0 {
		t.Fatalf("draft: %+v %v sent=%d stored=%d", d, err, len(sender.sent), len(store.byID))
	}
}

// settingsStore keeps one pool's message settings.
type settingsStore struct{ m domain.MessageSettings }

func (s *settingsStore) Get(_ context.Context, poolID string) (*domain.MessageSettings, error) {
	m := s.m
	m.PoolID = poolID
	return &m, nil
}
func (s *settingsStore) Put(_ context.Context, m *domain.MessageSettings) error { s.m = *m; return nil }

// The message settings change under the pool lock. A delete that waited for that lock while
// the settings took the connector must see them and refuse.
func TestDeleteChecksTheSettingsUnderThePoolLock(t *testing.T) {
	ctx := context.Background()
	s, _, store, c := newServiceWithConnector(t)
	settings := &settingsStore{}
	s.Messages.Settings = settings
	s.Locker.(*fake.Pools).OnLock = func(string) { settings.m.SMSConnectorID = c.ID } // the settings change commits
	if err := s.Delete(ctx, "p1", c.ID); domain.CodeOf(err) != "connector_in_use" {
		t.Fatalf("delete of the connector the settings just took: %v", err)
	}
	if _, ok := store.byID[c.ID]; !ok {
		t.Fatal("a connector the settings use was deleted")
	}
}

// Validate calls a plugin process: an edit must not hold a transaction, and with it the
// database's write lock, while it waits.
func TestUpdateValidatesOutsideTheTransaction(t *testing.T) {
	ctx := context.Background()
	s, sender, store, c := newServiceWithConnector(t)
	sender.validated = nil
	if _, err := s.Update(ctx, connector.UpdateRequest{PoolID: "p1", ID: c.ID, Config: json.RawMessage(`{"outbox":"/tmp/y"}`)}); err != nil {
		t.Fatal(err)
	}
	if len(sender.validated) != 1 || sender.inTx != 0 {
		t.Fatalf("%d validations, %d inside a transaction", len(sender.validated), sender.inTx)
	}
	// A configuration the plugin refuses stores nothing.
	if _, err := s.Update(ctx, connector.UpdateRequest{PoolID: "p1", ID: c.ID, Config: json.RawMessage(`{"api_key":"new"}`)}); domain.CodeOf(err) != domain.CodeConnectorInvalidConfig {
		t.Fatalf("invalid config: %v", err)
	}
	if cfg, _ := s.Messages.FullConfig(new(store.byID[c.ID])); string(cfg) != `{"api_key":"right","outbox":"/tmp/y"}` {
		t.Fatalf("stored %s", cfg)
	}
}

// A concurrent edit changes the stored secret while the plugin validates an edit that keeps
// it: the edit is validated again with the secret it will actually store.
func TestUpdateRevalidatesWhenTheSecretsChangeMeanwhile(t *testing.T) {
	ctx := context.Background()
	s, sender, store, c := newServiceWithConnector(t)
	setKey := func(key string) {
		stored := store.byID[c.ID]
		if err := messaging.SealSecrets(xorCipher{}, &stored, map[string]any{"api_key": key}); err != nil {
			t.Fatal(err)
		}
		store.byID[c.ID] = stored
	}
	sender.validated = nil
	sender.onValidate = func() { setKey("other"); sender.onValidate = nil }
	if _, err := s.Update(ctx, connector.UpdateRequest{PoolID: "p1", ID: c.ID, Config: json.RawMessage(`{"outbox":"/tmp/y"}`)}); err != nil {
		t.Fatal(err)
	}
	want := `{"api_key":"other","outbox":"/tmp/y"}`
	if len(sender.validated) != 2 || sender.validated[1] != want {
		t.Fatalf("validated %q, want the second with the new secret", sender.validated)
	}
	if cfg, _ := s.Messages.FullConfig(new(store.byID[c.ID])); string(cfg) != want {
		t.Fatalf("stored %s", cfg)
	}

	// Secrets that change under every validation: the edit gives up with a conflict.
	n := 0
	sender.onValidate = func() { n++; setKey(fmt.Sprint("key-", n)) }
	if _, err := s.Update(ctx, connector.UpdateRequest{PoolID: "p1", ID: c.ID, Config: json.RawMessage(`{"outbox":"/tmp/z"}`)}); domain.KindOf(err) != domain.KindConflict {
		t.Fatalf("edit under constant change: %v", err)
	}
	if n != 3 || store.byID[c.ID].Config["outbox"] != "/tmp/y" {
		t.Fatalf("%d validations; stored %v", n, store.byID[c.ID].Config)
	}
}
