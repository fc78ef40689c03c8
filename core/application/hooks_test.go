package application_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/core/application"
	"github.com/gatehouse-iam/gatehouse/core/internal/fake"
)

func TestChangesAreAuditedWithoutSecrets(t *testing.T) {
	w := newWorld(t)
	log := w.svc.Audit.Log.(*fake.AuditLog)
	ctx := context.Background()
	created, err := w.svc.Create(ctx, application.CreateRequest{PoolID: "p1", Type: "web", Settings: application.Settings{Name: ptr("Web")}})
	if err != nil {
		t.Fatal(err)
	}
	id := created.App.ID
	if _, err := w.svc.Update(ctx, application.UpdateRequest{PoolID: "p1", ID: id, Settings: application.Settings{Name: ptr("Web 2")}}); err != nil {
		t.Fatal(err)
	}
	rotated, err := w.svc.RotateSecret(ctx, "p1", id)
	if err != nil {
		t.Fatal(err)
	}
	for _, on := range []bool{false, false, true} { // the second disable changes nothing
		if _, err := w.svc.SetEnabled(ctx, "p1", id, on); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.svc.Delete(ctx, "p1", id); err != nil {
		t.Fatal(err)
	}
	want := []string{application.ActionCreate, application.ActionUpdate, application.ActionRotateSecret,
		application.ActionDisable, application.ActionEnable, application.ActionDelete}
	if got := log.Actions(); !slices.Equal(got, want) {
		t.Fatalf("actions %v, want %v", got, want)
	}
	for _, e := range log.Events {
		if e.ObjectType != "application" || e.ObjectID != id || e.PoolID != "p1" {
			t.Errorf("row %+v", e)
		}
		for _, snap := range []map[string]any{e.Before, e.After} {
			for k, v := range snap {
				s, _ := v.(string)
				if strings.Contains(k, "hash") || (s != "" && (strings.Contains(s, created.ClientSecret) || strings.Contains(s, rotated))) {
					t.Errorf("%s holds %s=%v", e.Action, k, v)
				}
			}
		}
	}
	if e := log.Events[2]; e.After["has_client_secret"] != true || e.After["name"] != "Web 2" {
		t.Errorf("rotate row %+v", e.After)
	}
}

func TestFailedAuditWriteFailsTheChange(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	created, err := w.svc.Create(ctx, application.CreateRequest{PoolID: "p1", Type: "web", Settings: application.Settings{Name: ptr("Web")}})
	if err != nil {
		t.Fatal(err)
	}
	w.svc.Audit.Log.(*fake.AuditLog).Fail = errors.New("disk full")
	id := created.App.ID
	if _, err := w.svc.Create(ctx, application.CreateRequest{PoolID: "p1", Type: "spa", Settings: application.Settings{Name: ptr("SPA")}}); err == nil {
		t.Error("create succeeded although its audit write failed")
	}
	if _, err := w.svc.RotateSecret(ctx, "p1", id); err == nil {
		t.Error("rotation succeeded although its audit write failed")
	}
	if _, err := w.svc.SetEnabled(ctx, "p1", id, false); err == nil {
		t.Error("disable succeeded although its audit write failed")
	}
	if err := w.svc.Delete(ctx, "p1", id); err == nil {
		t.Error("delete succeeded although its audit write failed")
	}
}
