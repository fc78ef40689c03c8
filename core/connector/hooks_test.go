package connector_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/core/connector"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/internal/fake"
)

type noSettings struct{}

func (noSettings) Get(_ context.Context, poolID string) (*domain.MessageSettings, error) {
	return &domain.MessageSettings{PoolID: poolID}, nil
}
func (noSettings) Put(context.Context, *domain.MessageSettings) error { return nil }

func TestChangesAreAuditedWithoutSecrets(t *testing.T) {
	s, _, _ := newService()
	s.Messages.Settings = noSettings{}
	log := s.Audit.Log.(*fake.AuditLog)
	ctx := context.Background()
	c, err := s.Create(ctx, connector.CreateRequest{PoolID: "p1", Type: "fakesms", Name: "SMS",
		Config: []byte(`{"outbox":"/tmp/x","api_key":"very-secret-key"}`), Templates: loginTemplate})
	if err != nil {
		t.Fatal(err)
	}
	name := "SMS 2"
	if _, err := s.Update(ctx, connector.UpdateRequest{PoolID: "p1", ID: c.ID, Name: &name, Config: []byte(`{"outbox":"/tmp/y","api_key":""}`)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "p1", c.ID); err != nil {
		t.Fatal(err)
	}
	if got := log.Actions(); !slices.Equal(got, []string{connector.ActionCreate, connector.ActionUpdate, connector.ActionDelete}) {
		t.Fatalf("actions %v", got)
	}
	if all := fmt.Sprint(log.Events); strings.Contains(all, "very-secret-key") {
		t.Fatalf("secret in the log: %s", all)
	}
	upd := log.Events[1]
	if fmt.Sprint(upd.Before["secrets"]) != "[map[field:api_key set:true]]" || fmt.Sprint(upd.After["secrets"]) != "[map[field:api_key set:false]]" ||
		upd.Before["config"].(map[string]any)["outbox"] != "/tmp/x" || upd.After["name"] != "SMS 2" {
		t.Fatalf("update row before %v after %v", upd.Before, upd.After)
	}
}

func TestFailedAuditWriteFailsTheChange(t *testing.T) {
	s, _, _ := newService()
	s.Messages.Settings = noSettings{}
	s.Audit.Log.(*fake.AuditLog).Fail = errors.New("disk full")
	if _, err := s.Create(context.Background(), connector.CreateRequest{PoolID: "p1", Type: "fakesms", Name: "SMS",
		Config: []byte(`{"outbox":"/tmp/x"}`)}); err == nil {
		t.Fatal("create succeeded although its audit write failed")
	}
}
