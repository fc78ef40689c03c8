package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// An Update's fn edits what a use case may edit; whatever else it changes (identity, owner,
// kind, creation time) is restored from the stored row, alike in every store.
func TestUpdateKeepsIdentityAndCreationTime(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newCacheFixture(t, db)
		s := f.plain
		if err := s.Attributes.Create(ctx, domain.Attribute{ID: "at1", PoolID: "p1", Name: "nickname", Label: "Nick",
			Source: domain.AttributeCustom, Type: domain.FieldString, Masking: domain.Masking{Rule: domain.MaskNone},
			CreatedAt: testTime, UpdatedAt: testTime}); err != nil {
			t.Fatal(err)
		}
		later := testTime.Add(time.Hour)
		// got is read only once err is known to be nil: the row is nil otherwise.
		check := func(what string, err error, got func() [5]any, want [5]any) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if got := got(); got != want {
				t.Errorf("%s after an edit that scribbled its identity: %v, want %v", what, got, want)
			}
		}

		p, err := s.Pools.Update(ctx, "p1", func(p *domain.Pool) error {
			p.ID, p.CreatedAt, p.Name, p.UpdatedAt = "px", later, "Edited", later
			return nil
		})
		if err == nil {
			p, err = s.Pools.Get(ctx, "p1")
		}
		check("pool", err, func() [5]any { return [5]any{p.ID, p.CreatedAt, p.Name, p.UpdatedAt} }, [5]any{"p1", testTime, "Edited", later})

		a, err := s.Applications.Update(ctx, "p1", "a1", func(a *domain.Application) error {
			a.ID, a.PoolID, a.ClientID, a.CreatedAt, a.Name = "ax", "p2", "client-x", later, "Edited"
			return nil
		})
		if err == nil {
			a, err = s.Applications.Get(ctx, "p1", "a1")
		}
		check("application", err, func() [5]any { return [5]any{a.ID, a.PoolID, a.ClientID, a.CreatedAt, a.Name} },
			[5]any{"a1", "p1", "client-1", testTime, "Edited"})

		src, err := s.AuthSources.Update(ctx, "p1", "s1", func(a *domain.AuthSource) error {
			a.ID, a.PoolID, a.CreatedAt, a.Name = "sx", "p2", later, "Edited"
			return nil
		})
		if err == nil {
			src, err = s.AuthSources.Get(ctx, "p1", "s1")
		}
		check("auth source", err, func() [5]any { return [5]any{src.ID, src.PoolID, src.CreatedAt, src.Name, src.Type} },
			[5]any{"s1", "p1", testTime, "Edited", domain.SourceSMSOTP})

		c, err := s.Connectors.Update(ctx, "p1", "c1", func(c *domain.Connector) error {
			c.ID, c.PoolID, c.Type, c.Channel, c.CreatedAt, c.Name = "cx", "p2", "mockemail", "email", later, "Edited"
			return nil
		})
		if err == nil {
			c, err = s.Connectors.Get(ctx, "p1", "c1")
		}
		check("connector", err, func() [5]any { return [5]any{c.ID, c.PoolID, c.Type + "/" + c.Channel, c.CreatedAt, c.Name} },
			[5]any{"c1", "p1", "mocksms/sms", testTime, "Edited"})

		at, err := s.Attributes.Update(ctx, "p1", "nickname", func(a *domain.Attribute) error {
			a.ID, a.PoolID, a.Source, a.CreatedAt, a.Name = "atx", "p2", domain.AttributePreset, later, "alias"
			return nil
		})
		if err == nil {
			at, err = s.Attributes.Get(ctx, "p1", "alias")
		}
		check("attribute", err, func() [5]any { return [5]any{at.ID, at.PoolID, at.Source, at.CreatedAt, at.Name} },
			[5]any{"at1", "p1", domain.AttributeCustom, testTime, "alias"})

		if err := s.Groups.Create(ctx, newGroup("g1", "p1", "Staff", testTime)); err != nil {
			t.Fatal(err)
		}
		g, err := s.Groups.Update(ctx, "p1", "g1", func(g *domain.Group) error {
			g.ID, g.PoolID, g.CreatedAt, g.Name = "gx", "p2", later, "Edited"
			return nil
		})
		if err == nil {
			g, err = s.Groups.Get(ctx, "p1", "g1")
		}
		check("group", err, func() [5]any { return [5]any{g.ID, g.PoolID, g.CreatedAt, g.Name, g.MemberCount} },
			[5]any{"g1", "p1", testTime, "Edited", 0})

		if err := s.Users.Create(ctx, newUser("p1", "u1", "ally", testTime)); err != nil {
			t.Fatal(err)
		}
		u, err := s.Users.Update(ctx, "p1", "u1", func(u *domain.User) error {
			u.ID, u.PoolID, u.Source, u.CreatedAt, u.UserName = "ux", "p2", domain.SourceAutoSignup, later, "edited"
			return nil
		})
		if err == nil {
			u, err = s.Users.Get(ctx, "p1", "u1")
		}
		check("user", err, func() [5]any { return [5]any{u.ID, u.PoolID, u.Source, u.CreatedAt, u.UserName} },
			[5]any{"u1", "p1", domain.SourceAdmin, testTime, "edited"})
	})
}
