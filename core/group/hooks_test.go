package group_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/gatehouse-iam/gatehouse/core/group"
	"github.com/gatehouse-iam/gatehouse/core/internal/fake"
)

func TestChangesAreAudited(t *testing.T) {
	s, f := newService()
	log := s.Audit.Log.(*fake.AuditLog)
	ctx := context.Background()
	g, err := s.Create(ctx, group.CreateRequest{PoolID: "p1", Name: "Staff"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, group.UpdateRequest{PoolID: "p1", ID: "g1", Name: ptr("VIP 2")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, group.UpdateRequest{PoolID: "p1", ID: "g1"}); err != nil { // names no field: no row
		t.Fatal(err)
	}
	if err := s.AddMembers(ctx, group.MembersRequest{PoolID: "p1", GroupID: "g1", UserIDs: []string{"u1", "u2"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveMembers(ctx, group.MembersRequest{PoolID: "p1", GroupID: "g1", UserIDs: []string{"u2"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMany(ctx, group.DeleteManyRequest{PoolID: "p1", GroupIDs: []string{"g1", g.ID}}); err != nil {
		t.Fatal(err)
	}
	want := []string{group.ActionCreate, group.ActionUpdate, group.ActionMembersAdd, group.ActionMembersRemove, group.ActionDelete, group.ActionDelete}
	if got := log.Actions(); !slices.Equal(got, want) {
		t.Fatalf("actions %v, want %v", got, want)
	}
	add := log.Events[2]
	if add.ObjectID != "g1" || fmt.Sprint(add.After["user_ids"]) != "[u1 u2]" {
		t.Fatalf("members row %+v", add)
	}
	if log.Events[4].ObjectID != "g1" || log.Events[5].ObjectID != g.ID || log.Events[5].Before["name"] != "Staff" {
		t.Fatalf("delete rows %+v", log.Events[4:])
	}

	// A failed audit write fails the change.
	log.Fail = errors.New("disk full")
	f.calls = nil
	if _, err := s.Create(ctx, group.CreateRequest{PoolID: "p1", Name: "Other"}); err == nil {
		t.Error("create succeeded although its audit write failed")
	}
	if err := s.AddMembers(ctx, group.MembersRequest{PoolID: "p1", GroupID: "g1", UserIDs: []string{"u3"}}); err == nil {
		t.Error("add members succeeded although its audit write failed")
	}
	if err := s.Delete(ctx, "p1", "g1"); err == nil {
		t.Error("delete succeeded although its audit write failed")
	}
}
