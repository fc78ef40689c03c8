package messaging_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/internal/fake"
	"github.com/gatehouse-iam/gatehouse/core/messaging"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// sender offers a platform SMS type without a code limit and a "shortsms" type whose schema
// declares x-max-code-length 4.
type sender struct{ ports.MessageSender }

func (sender) ConnectorTypes(context.Context) ([]domain.ConnectorType, error) {
	return []domain.ConnectorType{
		{Name: "mocksms", Channel: domain.ChannelSMS, ConfigSchema: []byte(`{"type":"object"}`)},
		{Name: "shortsms", Channel: domain.ChannelSMS, ConfigSchema: []byte(`{"type":"object","x-max-code-length":4}`)},
	}, nil
}

type settingsStore struct {
	m map[string]domain.MessageSettings
}

func (s *settingsStore) Get(_ context.Context, poolID string) (*domain.MessageSettings, error) {
	v, ok := s.m[poolID]
	if !ok {
		v = domain.MessageSettings{PoolID: poolID}
	}
	return &v, nil
}
func (s *settingsStore) Put(_ context.Context, v *domain.MessageSettings) error {
	s.m[v.PoolID] = *v
	return nil
}

type connectors struct{ ports.ConnectorStore }

func (connectors) Get(_ context.Context, poolID, id string) (*domain.Connector, error) {
	if poolID != "p1" || id != "short" {
		return nil, domain.NotFound("connector")
	}
	return &domain.Connector{ID: id, PoolID: poolID, Type: "shortsms", Channel: domain.ChannelSMS}, nil
}

type quotas struct{ ports.QuotaCounter }

func (quotas) Used(context.Context, string) (map[string]int, error) { return map[string]int{}, nil }

func newService() (*messaging.Service, *fake.Sources, *fake.AuditLog) {
	sources := &fake.Sources{}
	log := &fake.AuditLog{}
	clock := fake.Clock{T: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	return &messaging.Service{Sender: sender{}, Pools: &fake.Pools{IDs: []string{"p1"}}, Settings: &settingsStore{m: map[string]domain.MessageSettings{}},
		Connectors: connectors{}, Quotas: quotas{}, Sources: sources, Tx: fake.Tx{}, Clock: clock,
		Audit:    audit.Recorder{Log: log, Clock: clock, IDs: &fake.IDs{}},
		Platform: map[string]messaging.PlatformConnector{domain.ChannelSMS: {Type: "mocksms"}}}, sources, log
}

func TestMaxCodeLengthReadsTheConnectorSchema(t *testing.T) {
	for _, tc := range []struct {
		schema string
		want   int
	}{
		{`{"type":"object","x-max-code-length":6}`, 6},
		{`{"type":"object"}`, 0},
		{``, 0},
		{`not json`, 0},
		{`{"x-max-code-length":"6"}`, 0},
		{`{"x-max-code-length":-1}`, 0},
	} {
		if got := (domain.ConnectorType{ConfigSchema: []byte(tc.schema)}).MaxCodeLength(); got != tc.want {
			t.Errorf("%q: %d, want %d", tc.schema, got, tc.want)
		}
	}
}

func TestSwitchingToAShorterConnectorIsRefused(t *testing.T) {
	s, sources, log := newService()
	ctx := context.Background()
	if n, typ, err := s.MaxCodeLength(ctx, "p1", domain.ChannelSMS); n != 0 || typ != "mocksms" || err != nil {
		t.Fatalf("platform connector: %d %s %v", n, typ, err)
	}
	src := &domain.AuthSource{ID: "s6", PoolID: "p1", Type: domain.SourceSMSOTP, Name: "Six digits", Policy: domain.AuthSourcePolicy{CodeLength: 6}}
	if err := sources.Create(ctx, src); err != nil {
		t.Fatal(err)
	}
	_, err := s.PutSettings(ctx, messaging.PutSettingsRequest{PoolID: "p1", SMSConnectorID: "short"})
	e, _ := domain.AsError(err)
	if e == nil || e.Kind != domain.KindConflict || e.Code != messaging.CodeSourcesTooLong || len(e.Details) != 1 || e.Details[0].Field != "sms_connector_id" {
		t.Fatalf("got %v", err)
	}
	if got, _ := s.Settings.Get(ctx, "p1"); got.SMSConnectorID != "" || len(log.Events) != 0 {
		t.Fatalf("refused settings were stored (%+v) or audited (%d)", got, len(log.Events))
	}
	// Once the source sends 4 digits the switch goes through and is audited.
	src.Policy.CodeLength = 4
	sources.M[src.ID] = *src
	if _, err := s.PutSettings(ctx, messaging.PutSettingsRequest{PoolID: "p1", SMSConnectorID: "short"}); err != nil {
		t.Fatal(err)
	}
	if n, typ, _ := s.MaxCodeLength(ctx, "p1", domain.ChannelSMS); n != 4 || typ != "shortsms" {
		t.Fatalf("pool connector: %d %s", n, typ)
	}
	if len(log.Events) != 1 || log.Events[0].Action != messaging.ActionUpdateSettings || log.Events[0].ObjectID != "p1" ||
		log.Events[0].Before["sms_connector_id"] != "" || log.Events[0].After["sms_connector_id"] != "short" {
		t.Fatalf("audit %+v", log.Events)
	}
	log.Fail = errors.New("disk full")
	if _, err := s.PutSettings(ctx, messaging.PutSettingsRequest{PoolID: "p1"}); err == nil {
		t.Fatal("settings changed although the audit write failed")
	}
}

// The shipped Tencent Cloud SMS connector declares Tencent's 6-digit rule in its schema.
func TestTencentSMSDeclaresSixDigits(t *testing.T) {
	schema, err := os.ReadFile("../../connectors/tencentsms/schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if n := (domain.ConnectorType{ConfigSchema: schema}).MaxCodeLength(); n != 6 {
		t.Fatalf("tencentsms x-max-code-length %d, want 6", n)
	}
}
